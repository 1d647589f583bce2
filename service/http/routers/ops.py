"""Operations: liveness and Prometheus metrics."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.http.schemas import Health, Readiness, WorkerReadiness
from service.runtime.workers import HEALTHY

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> Health:
    """The process is up and can read its store."""
    return Health(status="ok", position=request.app.state.timeline.position())


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "not ready; `reasons` says why"}},
)
def readyz(request: Request) -> JSONResponse:
    """Ready when every background worker runs (none is restarting after a failure) and every
    view keeps up: within ``POLICY_TIMELINE_READY_MAX_LAG`` events of the log, and no event
    waiting for a view longer than ``POLICY_TIMELINE_READY_MAX_STALL_SECONDS``. While the
    database does not answer, 503 with ``Retry-After`` in the error shape."""
    settings = request.app.state.settings
    report = request.app.state.view_lag.measure()
    reasons = []
    workers = {}
    for health in request.app.state.workers.health():
        workers[health.name] = WorkerReadiness(
            state=health.state,
            restarts=health.restarts,
            last_success=(
                datetime.fromtimestamp(health.last_success, UTC) if health.last_success else None
            ),
            last_error=health.last_error,
        )
        if health.state not in HEALTHY:
            reasons.append(f"worker {health.name} is {health.state}: {health.last_error}")
    for view, lag in report.views.items():
        if lag.events > settings.ready_max_lag:
            reasons.append(f"view {view} is {lag.events} events behind the log")
        elif lag.seconds > settings.ready_max_stall_seconds:
            reasons.append(f"view {view} has not applied an event recorded {lag.seconds:.1f} s ago")
    body = Readiness(
        ready=not reasons,
        reasons=reasons,
        log_position=report.log_position,
        views={view: lag.events for view, lag in report.views.items()},
        lag_seconds={view: lag.seconds for view, lag in report.views.items()},
        workers=workers,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if reasons else 200)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
