"""Prometheus metrics: requests by route and status, append latency, log position, live
subscribers."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    """One registry per app, so that several apps in one process (tests) do not collide."""

    def __init__(self, log_position: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "policy_timeline_requests_total",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.append_seconds = Histogram(
            "policy_timeline_append_seconds",
            "time to validate and durably store one POST (single event or batch)",
            ["endpoint"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.events_appended = Counter(
            "policy_timeline_events_appended_total",
            "events newly stored (idempotent repeats are not counted)",
            registry=self.registry,
        )
        self.stream_subscribers = Gauge(
            "policy_timeline_stream_subscribers",
            "live subscribers connected, by stream",
            ["stream"],
            registry=self.registry,
        )
        self.stream_messages = Counter(
            "policy_timeline_stream_messages_total",
            "messages handed to live subscribers (replayed or live)",
            registry=self.registry,
        )
        self.stream_overflows = Counter(
            "policy_timeline_stream_overflows_total",
            "subscribers cut off because too many messages were waiting for them",
            registry=self.registry,
        )
        self.stream_queue_longest = Gauge(
            "policy_timeline_stream_queue_longest",
            "messages waiting for the most backlogged live subscriber (bounded by "
            "POLICY_TIMELINE_STREAM_QUEUE_MAX)",
            registry=self.registry,
        )
        position = Gauge(
            "policy_timeline_log_position",
            "the highest position in the event log",
            registry=self.registry,
        )
        position.set_function(log_position)


class MetricsMiddleware:
    """Counts every response under its route template (``/events/{event_id}``), never the raw
    path, so that metric labels stay bounded whatever clients send."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(template, scope["method"], str(status)).inc()
