"""Settings from the environment (``POLICY_TIMELINE_*``) and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="POLICY_TIMELINE_", env_file=".env", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///./var/timeline.db",
        description="sqlite:///PATH (the embedded default) or postgresql://USER:PASSWORD@HOST:PORT/DB",
    )
    load_demo: bool = Field(
        default=True, description="load the bundled real timeline into an empty store on start"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    admin_key: str | None = Field(
        default=None, description="a bootstrap admin API key (automation, tests)"
    )
    public_reads: bool = Field(
        default=True, description="reads without a key (false: reads need a reader key)"
    )
    state_dir: Path = Field(
        default=Path("./var"), description="where the first admin key is written (admin.key)"
    )
    cors_origins: str = Field(
        default="",
        description="comma-separated origins allowed to call the API from a browser "
        "(e.g. https://dash.example.org); empty: no CORS headers, same-origin only",
    )
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024, description="largest request body accepted, in bytes (413 beyond)"
    )
    run_projections: bool = Field(
        default=True,
        description="run the projection runner inside serve (false: a separate "
        "`policy-timeline project` process keeps the views)",
    )
    ready_max_lag: int = Field(
        default=1000, description="/readyz fails while a view lags the log by more events"
    )
    ready_max_stall_seconds: float = Field(
        default=10,
        gt=0,
        description="/readyz fails while an event has waited longer than this for a view "
        "(a stalled projector on a quiet log)",
    )
    write_group_max: int = Field(
        default=512, description="most single posts committed together in one transaction"
    )
    stream_heartbeat_seconds: float = Field(
        default=15,
        gt=0,
        description="seconds between heartbeat comments on live streams; a subscriber that "
        "vanished (no acknowledgement for this long) or stopped reading (data waiting this "
        "long) is disconnected within two of them",
    )
    stream_queue_max: int = Field(
        default=1000,
        ge=1,
        description="messages that may wait for one live subscriber; beyond, it is sent an "
        "overflow message naming where to resume, and disconnected",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="let webhooks reach loopback, private, link-local and other non-public "
        "addresses (tests, trusted networks); otherwise their URLs are refused (422)",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, description="how long a webhook's receiver has to answer an attempt"
    )
    webhook_retry_base_seconds: float = Field(
        default=10,
        gt=0,
        description="a failed webhook delivery is tried again within this many seconds, then "
        "twice as late each time (with jitter)",
    )
    webhook_retry_max_seconds: float = Field(
        default=3600, gt=0, description="the longest pause between two tries of a webhook"
    )
    webhook_disable_after_seconds: float = Field(
        default=3 * 24 * 3600,
        gt=0,
        description="a webhook failing for this long (3 days) is disabled",
    )
    webhook_lease_seconds: float = Field(
        default=10,
        gt=0,
        description="how long a process's hold on a webhook lasts unless renewed: after a "
        "crash, another process resumes the webhook within this time",
    )
