"""The timeline's incremental step (``projections.incremental``) against recomputing every row,
and ``Provenance`` against its definition, on made-up histories."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections import export_controls, timeline
from projections.rows import Provenance, Row, starts_on
from tests.support.facts import made_up_fact, made_up_policy

D0 = date(2025, 1, 1)
SOURCES = [
    {"title": "Made-up source A", "url": None},
    {"title": "Made-up source B", "url": "https://example.org/b"},
    {"title": "Made-up source C", "url": None},
]


def iso(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def made_up_control_history(rng: random.Random, length: int) -> list[dict[str, Any]]:
    """An export control's effective facts: imposed, then suspensions, reinstatements,
    amendments and a lift at made-up days (not always in order), citing made-up sources."""
    facts = [
        made_up_fact("ExportControlImposed", "e0", iso(rng.randint(0, 5)), measure="ban",
                     effective_from=iso(rng.randint(0, 10)) if rng.random() < 0.5 else None,
                     sources=rng.sample(SOURCES, rng.randint(1, 2)))
    ]  # fmt: skip
    for n in range(1, length):
        kind = rng.choice(
            ("ExportControlSuspended", "ExportControlSuspended", "ExportControlReinstated",
             "ExportControlReinstated", "ExportControlAmended", "ExportControlLifted")
        )  # fmt: skip
        fields: dict[str, Any] = {"sources": rng.sample(SOURCES, rng.randint(1, 2))}
        if rng.random() < 0.4:
            fields["effective_from"] = iso(rng.randint(0, 60))
        if kind == "ExportControlSuspended" and rng.random() < 0.7:
            fields["until"] = iso(rng.randint(10, 80))
        if kind == "ExportControlAmended":
            fields["measure"] = rng.choice(("ban", "licence_required"))
            if rng.random() < 0.2:
                fields["effective_until"] = iso(rng.randint(30, 90))
        facts.append(made_up_fact(kind, f"e{n}", iso(rng.randint(0, 60)), **fields))
    return facts


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(1, 10))
def test_an_event_adds_only_its_own_timeline_entry(seed: int, length: int) -> None:
    facts = made_up_control_history(random.Random(seed), length)
    for end in range(1, len(facts) + 1):
        policy = made_up_policy(*facts[:end])
        added = timeline.rows_added(policy, facts[end - 1])
        assert added is not None
        assert timeline.rows(made_up_policy(*facts[: end - 1])) + added == timeline.rows(policy)


def test_a_correction_or_retraction_has_the_timeline_recomputed() -> None:
    policy = made_up_policy(made_up_fact("ExportControlImposed", "e0", measure="ban"))
    for kind in ("EventCorrected", "EventRetracted"):
        assert timeline.rows_added(policy, made_up_fact(kind, "e1")) is None


def defined_provenance(facts: list[dict[str, Any]], on: date) -> dict[str, Any]:
    """``Provenance.on`` as its docstring defines it: the first event and every later one
    started by ``on``, in record order, with their sources (each title and url once, as the
    first of them cites it)."""
    built_from = [facts[0]] + [f for f in facts[1:] if starts_on(f) <= on]
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for fact in built_from:
        for source in fact.get("sources", []):
            seen.setdefault((source["title"], source.get("url")), source)
    return {"sources": list(seen.values()), "event_ids": [f["event_id"] for f in built_from]}


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(1, 10))
def test_provenance_is_its_definition(seed: int, length: int) -> None:
    facts = made_up_control_history(random.Random(seed), length)
    provenance = Provenance(facts)
    for offset in range(-1, 92, 3):
        on = D0 + timedelta(days=offset)
        assert provenance.on(on) == defined_provenance(facts, on)


def stepwise(facts: list[dict[str, Any]], view: Any, affects: Any) -> list[list[Row]]:
    """A policy's rows after each of its events as the runner keeps them: the rows before the
    first day the event can change kept, the rest recomputed from the start of the row that
    spans that day (``Runner._apply``)."""
    stored: list[Row] = []
    after = []
    for end in range(1, len(facts) + 1):
        policy = made_up_policy(*facts[:end])
        since = affects(policy.facts, facts[end - 1])
        if since is None:
            stored = list(view.rows(policy))
        else:
            spanning = [r.valid_from for r in stored if r.valid_from and r.valid_from < since
                        and (r.valid_until is None or since < r.valid_until)]  # fmt: skip
            cut = min(spanning, default=since)
            kept = [r for r in stored if r.valid_until is not None and r.valid_until <= cut]
            stored = kept + list(view.rows(policy, cut))
        after.append(stored)
    return after


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(2, 12))
def test_export_controls_kept_event_by_event_equal_recomputing_every_row(
    seed: int, length: int
) -> None:
    facts = made_up_control_history(random.Random(seed), length)
    kept = stepwise(facts, export_controls, export_controls.affects_from_in)
    for end, rows in enumerate(kept, start=1):
        assert rows == export_controls.rows(made_up_policy(*facts[:end])), end
