"""Property: for random made-up event sequences (export controls imposed, amended, suspended,
reinstated and lifted; funding committed, revised and cancelled, priced or not; corrections and
retractions), counts over time (``service.queries.counts``, read from a real store's indexed
rows) equal a naive count written here: each policy's rows from its view module's ``rows()``
for its facts as recorded by the position, the row holding on each period end picked, filtered
and grouped in plain Python; period ends found day by day."""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.events import EVENT_ADAPTER
from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from domain.timeline import Submission
from projections import export_controls, funding
from projections.rows import PolicyFacts
from projections.runner import Runner
from projections.spec import ViewSpec
from service.bootstrap import open_timeline
from service.queries.counts import CountQuery, count_view
from service.queries.filters import view_filter
from service.queries.reader import ViewReader
from service.storage.views import view_store
from tests.support.backend import database_url

D0 = date(2025, 1, 1)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)  # "today" for counts left to their defaults
CONTROLS = tuple(f"xx-made-up-count-c{n}" for n in range(4))
FUNDS = tuple(f"xx-made-up-count-f{n}" for n in range(3))
JURISDICTIONS = ("CN", "US", "EU")
AGENCIES = ("Made-up ministry A", "Made-up agency B")
MATERIALS = ("Dy", "Tb", "Ga", "graphite")
CONFIDENCE = ("unverified", "reported", "confirmed")  # from the least certain
NAMESPACE = uuid.UUID("9f0c2a43-5d1e-4c7b-a1a4-2f6b3c9d8e71")


def iso(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def made_up_body(policy_id: str, kind: str, n: int, rng: random.Random) -> dict[str, Any]:
    """A made-up event of ``policy_id``: its jurisdiction and agency follow from the policy,
    so a policy keeps them; dates fall over some 16 months from 2025."""
    number = int(policy_id[-1])
    return {
        "event_id": str(uuid.uuid5(NAMESPACE, str(n))),
        "type": kind,
        "policy_id": policy_id,
        "jurisdiction": JURISDICTIONS[number % len(JURISDICTIONS)],
        "agency": AGENCIES[number % len(AGENCIES)],
        "title": f"Made-up event {n} for a counts property test",
        "announced_on": iso(rng.randint(0, 420)),
        "materials": rng.sample(MATERIALS, rng.randint(1, 3)),
        "sources": [{"title": "made up for a property test", "url": None}],
        "confidence": rng.choice(CONFIDENCE),
    }


def made_up_event(n: int, rng: random.Random, earlier: list[str]) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.15 and earlier:
        change = rng.choice(("announced_on", "materials", "until", "amount_usd", "effective_from"))
        value: Any = {
            "announced_on": iso(rng.randint(0, 420)),
            "materials": rng.sample(MATERIALS, rng.randint(1, 2)),
            "until": iso(rng.randint(100, 500)),
            "amount_usd": str(rng.randint(1, 9) * 250_000),
            "effective_from": iso(rng.randint(0, 420)),
        }[change]
        return {
            "event_id": str(uuid.uuid5(NAMESPACE, str(n))),
            "type": "EventCorrected",
            "title": f"Made-up correction {n}",
            "announced_on": iso(rng.randint(0, 420)),
            "sources": [{"title": "made up for a property test", "url": None}],
            "corrects": rng.choice(earlier),
            "changes": {change: value},
            "reason": "made up",
        }
    if roll < 0.2 and earlier:
        return {
            "event_id": str(uuid.uuid5(NAMESPACE, str(n))),
            "type": "EventRetracted",
            "title": f"Made-up retraction {n}",
            "announced_on": iso(rng.randint(0, 420)),
            "sources": [{"title": "made up for a property test", "url": None}],
            "retracts": rng.choice(earlier),
            "reason": "made up",
        }
    if roll < 0.6:
        kind = rng.choice(
            ("ExportControlImposed", "ExportControlImposed", "ExportControlSuspended",
             "ExportControlReinstated", "ExportControlLifted", "ExportControlAmended")
        )  # fmt: skip
        body = made_up_body(rng.choice(CONTROLS), kind, n, rng)
        if kind == "ExportControlImposed":
            body["measure"] = rng.choice(("ban", "licence_required"))
            if rng.random() < 0.5:
                body["effective_from"] = iso(rng.randint(0, 450))
            if rng.random() < 0.3:
                body["effective_until"] = iso(rng.randint(451, 520))
        if kind == "ExportControlAmended" and rng.random() < 0.5:
            body["measure"] = rng.choice(("ban", "extraterritorial"))
        if kind == "ExportControlSuspended" and rng.random() < 0.7:
            body["until"] = iso(rng.randint(421, 500))
        return body
    kind = rng.choice(
        ("FundingCommitted", "FundingCommitted", "FundingRevised", "FundingCancelled")
    )
    body = made_up_body(rng.choice(FUNDS), kind, n, rng)
    value = str(rng.randint(1, 9) * 1_000_000)
    priced = rng.random()
    if kind in ("FundingCommitted", "FundingRevised"):
        if priced < 0.6:  # in US dollars: its own USD figure
            body["amount"] = {"value": value, "currency": "USD"}
        elif priced < 0.8:  # converted by its source
            body.update(amount={"value": value, "currency": "EUR"}, amount_usd=value + ".5")
        else:  # unpriced: no USD figure at all
            body["amount"] = rng.choice((None, {"value": value, "currency": "EUR"}))
    if kind == "FundingCommitted":
        body["mechanism"] = rng.choice(("grant", "loan"))
    return body


# --- the naive count ---------------------------------------------------------------------------


def period_ends(first: date, last: date, bucket: str) -> list[date]:
    """Day by day: a day ends its period when the next day is in another one, or it is
    ``last``."""
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]

    def period(d: date) -> tuple[int, int]:
        return d.year, (d.month - 1) // months

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d == last or period(d) != period(d + timedelta(days=1))]


def naive_counts(
    log: list[tuple[int, dict[str, Any]]],
    position: int,
    spec: ViewSpec,
    by: str,
    ends: list[date],
    keep: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    recorded: dict[str, list[dict[str, Any]]] = {}
    positions: dict[str, int] = {}
    for p, fact in log:
        if p <= position:
            recorded.setdefault(fact["policy_id"], []).append(fact)
            positions[fact["event_id"]] = p
    rows = []
    for policy_id, facts in recorded.items():
        effective = effective_facts(facts)
        if effective:
            at = {f["event_id"]: "2026-01-01T00:00:00+00:00" for f in facts}
            rows += spec.rows(PolicyFacts(policy_id, effective, positions, at))
    out = []
    for end in ends:
        groups: dict[str | None, list[dict[str, Any]]] = {}
        for row in rows:
            holds = row.valid_from is not None and row.valid_from <= end
            if holds and (row.valid_until is None or end < row.valid_until) and keep(row.body):
                keys = set(row.body["materials"]) if by == "material" else {row.body.get(by)}
                for key in keys:
                    groups.setdefault(key, []).append(row.body)
        for key in sorted(groups, key=lambda k: (k is None, k or "")):
            item: dict[str, Any] = {"period_end": end.isoformat(), "key": key}
            item["count"] = len(groups[key])
            if spec.totals:
                priced = [b["amount_usd"] for b in groups[key] if b["amount_usd"] is not None]
                item["total_usd"] = sum((Decimal(a) for a in priced), Decimal(0))
            out.append(item)
    return out


def naive_filter(
    statuses: list[str] | None,
    jurisdictions: list[str] | None,
    material: str | None,
    min_confidence: str,
    shown: tuple[str, ...],
) -> Callable[[dict[str, Any]], bool]:
    def keep(body: dict[str, Any]) -> bool:
        wanted = statuses or shown
        return (
            (not wanted or body["status"] in wanted)
            and (not jurisdictions or body["jurisdiction"] in jurisdictions)
            and (material is None or material in body["materials"])
            and CONFIDENCE.index(body["confidence"]) >= CONFIDENCE.index(min_confidence)
        )

    return keep


def as_compared(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Funding totals as numbers (the answer writes decimal strings)."""
    out = []
    for item in items:
        if "total_usd" in item:
            assert isinstance(item["total_usd"], (str, Decimal))
            item = {**item, "total_usd": Decimal(item["total_usd"])}
        out.append(item)
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(20, 60))
def test_counts_over_time_equal_a_naive_count_of_each_policys_rows(seed: int, count: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        timeline = open_timeline(database_url(Path(directory)))
        store = view_store(timeline)
        for view in ("active-export-controls", "funding"):
            store.ensure_active_slot(view)
        earlier: list[str] = []
        for n in range(count):
            body = made_up_event(n, rng, earlier)
            try:
                event = EVENT_ADAPTER.validate_json(json.dumps(body))
            except ValidationError:
                continue  # e.g. a suspension ending before it starts: the API refuses it too
            timeline.append([Submission(event, "t")], atomic=False)  # refusals are skipped
            earlier.append(body["event_id"])
        Runner(timeline, store).run_until_caught_up()
        views = ViewReader(timeline, store)
        head = timeline.position()
        log = [(r.position, r.fact) for r in timeline.read_log(LogQuery(limit=10_000))]

        for _ in range(12):
            spec = rng.choice((export_controls.SPEC, funding.SPEC))
            by = rng.choice(spec.count_by)
            bucket = rng.choice(("month", "quarter", "year"))
            position = head if rng.random() < 0.5 else rng.randint(0, head)
            start = D0 + timedelta(days=rng.randint(-40, 400))
            end = start + timedelta(days=rng.randint(0, 480))
            defaults = rng.random() < 0.15  # to today, from two years before
            statuses = None
            if spec.statuses and rng.random() < 0.5:
                statuses = rng.sample(spec.statuses, rng.randint(1, len(spec.statuses)))
            jurisdictions = rng.sample(JURISDICTIONS, 2) if rng.random() < 0.3 else None
            material = rng.choice(MATERIALS) if rng.random() < 0.3 else None
            min_confidence = rng.choice(("unverified", "unverified", "reported", "confirmed"))
            values = {
                "status": statuses,
                "jurisdiction": jurisdictions,
                "material": [material] if material else None,
            }
            chosen = view_filter(spec, values, min_confidence)
            ask = CountQuery(
                by=by,
                bucket=bucket,
                start=None if defaults else start,
                end=None if defaults else end,
                known_at=f"position={position}",
            )
            answer = count_view(views, spec, chosen, ask, NOW)

            if defaults:
                start, end = date(2024, 3, 10), date(2026, 3, 10)
            assert (answer["from"], answer["to"]) == (start.isoformat(), end.isoformat())
            assert answer["position"] == position
            keep = naive_filter(statuses, jurisdictions, material, min_confidence,
                                spec.statuses_shown)  # fmt: skip
            ends = period_ends(start, end, bucket)
            expected = naive_counts(log, position, spec, by, ends, keep)
            asked = (spec.name, by, bucket, start, end, position, values, min_confidence)
            assert as_compared(answer["items"]) == expected, asked
            assert all(isinstance(i.get("total_usd", ""), str) for i in answer["items"])
        timeline.close()
