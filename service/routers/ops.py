"""Operations: liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from projections.registry import VIEWS
from service.schemas import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> Health:
    """The process is up and can read its store."""
    return Health(status="ok", position=request.app.state.timeline.position())


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(request: Request) -> JSONResponse:
    """Ready when every view is within ``POLICY_TIMELINE_READY_MAX_LAG`` events of the log."""
    projections = request.app.state.projections
    head = request.app.state.timeline.position()
    lags = {name: head - projections.position(name) for name in VIEWS}
    ready = max(lags.values(), default=0) <= request.app.state.settings.ready_max_lag
    body = Readiness(ready=ready, log_position=head, views=lags)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
