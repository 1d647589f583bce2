"""Prometheus metrics: requests by route and status, append latency, log position, live
subscribers, background workers' restarts and last successes, and each view's lag."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.runtime.workers import HEALTHY, Workers

if TYPE_CHECKING:
    from service.runtime.view_lag import ViewLag


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

    def watch(self, workers: Workers, view_lag: ViewLag) -> None:
        """Report the workers' health and the views' lag, read at each scrape."""
        self.registry.register(_HealthCollector(workers, view_lag))


class _HealthCollector(Collector):
    def __init__(self, workers: Workers, view_lag: ViewLag) -> None:
        self.workers = workers
        self.view_lag = view_lag

    def collect(self) -> Iterator[Metric]:
        restarts = CounterMetricFamily(
            "policy_timeline_worker_restarts",
            "times a background worker failed and was started again",
            labels=["worker"],
        )
        up = GaugeMetricFamily(
            "policy_timeline_worker_up",
            "1 while a background worker runs or stands by, 0 while it is restarting",
            labels=["worker"],
        )
        success = GaugeMetricFamily(
            "policy_timeline_worker_last_success_timestamp_seconds",
            "when a background worker last did its work (or polled the database) successfully",
            labels=["worker"],
        )
        for health in self.workers.health():
            restarts.add_metric([health.name], health.restarts)
            up.add_metric([health.name], 1.0 if health.state in HEALTHY else 0.0)
            if health.last_success is not None:
                success.add_metric([health.name], health.last_success)
        yield from (restarts, up, success)
        lag_events = GaugeMetricFamily(
            "policy_timeline_view_lag_events",
            "events recorded that a view has not applied yet",
            labels=["view"],
        )
        lag_seconds = GaugeMetricFamily(
            "policy_timeline_view_lag_seconds",
            "how long the oldest event a view has not applied has been waiting",
            labels=["view"],
        )
        for view, lag in self.view_lag.measure().views.items():
            lag_events.add_metric([view], lag.events)
            lag_seconds.add_metric([view], lag.seconds)
        yield from (lag_events, lag_seconds)


class MetricsMiddleware:
    """Counts every response under its route template (``/events/{event_id}``), never the raw
    path, so that metric labels stay bounded whatever clients send."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # The counter of each (route, method, status) met so far: ``labels()`` validates and
        # looks its arguments up under a lock on every call. Route templates, methods and
        # statuses are few, so this stays small.
        self._counters: dict[tuple[str, str, int], Counter] = {}

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
            key = (getattr(route, "path", "unmatched"), scope["method"], status)
            counter = self._counters.get(key)
            if counter is None:
                counter = self.metrics.requests.labels(key[0], key[1], str(status))
                self._counters[key] = counter
            counter.inc()
