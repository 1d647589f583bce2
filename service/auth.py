"""Who may write: a bearer key checked against the bootstrap admin key.

The key is either ``POLICY_TIMELINE_ADMIN_KEY`` or, when that is unset, one generated on first
start, printed once and kept in ``<state_dir>/admin.key`` (mode 0600). Only its SHA-256 digest
is held in memory, and keys are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from service.errors import ApiError


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class Keyring:
    def __init__(self, admin_key_digest: bytes) -> None:
        self._admin = admin_key_digest

    @classmethod
    def bootstrap(cls, admin_key: str | None, state_dir: Path) -> tuple[Keyring, str | None]:
        """The keyring, and a newly generated key to print once (None when none was made)."""
        if admin_key:
            return cls(_digest(admin_key)), None
        key_file = state_dir / "admin.key"
        if key_file.exists():
            return cls(_digest(key_file.read_text().strip())), None
        state_dir.mkdir(parents=True, exist_ok=True)
        key = "pt_" + secrets.token_urlsafe(32)
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker of this server wrote it a moment ago
            return cls(_digest(_written_key(key_file))), None
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key + "\n")
        return cls(_digest(key)), key

    def identify(self, key: str) -> Principal | None:
        if hmac.compare_digest(_digest(key), self._admin):
            return Principal("admin", "admin")
        return None


def _written_key(key_file: Path) -> str:
    for _ in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"{key_file} stays empty")


def bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


async def require_writer(request: Request) -> Principal:
    """FastAPI dependency for write endpoints (async: a sync dependency would cost a trip
    through the thread pool on every write)."""
    keyring: Keyring = request.app.state.keyring
    key = bearer_key(request)
    if key is None:
        raise ApiError(
            401,
            "unauthorized",
            "writes need an API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = keyring.identify(key)
    if principal is None:
        raise ApiError(
            401, "unauthorized", "unknown API key", headers={"WWW-Authenticate": "Bearer"}
        )
    if principal.role not in ("editor", "admin"):
        raise ApiError(403, "forbidden", f"role {principal.role!r} cannot write")
    return principal


async def require_admin(request: Request) -> Principal:
    """FastAPI dependency for administrative endpoints (rebuilds, keys)."""
    principal = await require_writer(request)
    if principal.role != "admin":
        raise ApiError(403, "forbidden", f"role {principal.role!r} is not admin")
    return principal


async def require_reader(request: Request) -> None:
    """FastAPI dependency for reads: open unless POLICY_TIMELINE_PUBLIC_READS is false."""
    if request.app.state.settings.public_reads:
        return
    keyring: Keyring = request.app.state.keyring
    key = bearer_key(request)
    if key is None or keyring.identify(key) is None:
        raise ApiError(
            401,
            "unauthorized",
            "reads need an API key here: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
