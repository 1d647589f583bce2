"""The FastAPI application: wiring of the timeline, the writer, auth, metrics and routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.bootstrap import start_runtime
from service.http import errors
from service.http.guards import BodyLimit, NoNulInUrl, SecurityHeaders
from service.http.metrics import Metrics, MetricsMiddleware
from service.http.openapi import openapi_schema
from service.http.routers import (
    acts,
    counts,
    diff,
    events,
    feeds,
    keys,
    ops,
    page,
    policies,
    screen,
    streams,
    views,
    webhooks,
)
from service.runtime.webhooks import start_webhooks
from service.settings import Settings

DESCRIPTION = (
    "An event-sourced timeline of government policy moves in the rare-earth and "
    'critical-mineral supply chain. Errors are JSON `{"error": {"code", "message", '
    '"details"}}`.'
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = start_runtime(
            settings, app.state.clock, app.state.metrics, asyncio.get_running_loop()
        )
        for name, part in runtime.parts().items():
            setattr(app.state, name, part)
        app.state.webhooks = start_webhooks(
            settings, runtime.projections, runtime.workers, app.state.clock
        )
        try:
            yield
        finally:
            app.state.webhooks.stop()
            runtime.stop()

    app = FastAPI(
        title="Policy Timeline",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN with an inline
        # script; service.http.routers.page serves both from installed files instead.
        docs_url=None,
        redoc_url=None,
        # The service's own Prometheus metrics count requests (service.http.metrics); FastAPI's
        # OpenTelemetry hooks, with no provider configured, would only look for one on every
        # request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.clock = lambda: datetime.now(UTC)
    app.state.metrics = Metrics(lambda: float(app.state.timeline.position()))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(NoNulInUrl)
    app.add_middleware(SecurityHeaders)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)  # outermost: sees all
    errors.install(app)
    app.include_router(streams.router)  # before /events/{event_id}, which would take "stream"
    app.include_router(feeds.router)  # before /events/{event_id} too ("feed.atom")
    app.include_router(events.router)
    app.include_router(policies.router)
    app.include_router(counts.router)  # /views/<name>/counts, before any /views/{...} route
    app.include_router(views.router)
    app.include_router(acts.router)
    app.include_router(diff.router)
    app.include_router(screen.router)
    app.include_router(keys.router)
    app.include_router(webhooks.router)
    app.include_router(ops.router)
    app.include_router(page.router)
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app
