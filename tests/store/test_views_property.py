"""Property: for random event sequences (made up: imposition, amendment, suspension,
reinstatement, lift, funding commitments and revisions, corrections, retractions), the views
built incrementally while events arrive equal the views rebuilt from scratch, and both equal a
naive fold written here, at random (valid date, known position) pairs."""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.events import EVENT_ADAPTER
from domain.log_index import LogQuery
from domain.timeline import Submission
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.storage.views import view_store
from tests.support.backend import database_url

D0 = date(2025, 1, 1)
CONTROLS = ("xx-made-up-c1", "xx-made-up-c2", "xx-made-up-c3")
FUNDS = ("xx-made-up-f1", "xx-made-up-f2")
MATERIALS = ("Dy", "Tb", "Ga", "graphite")
NAMESPACE = uuid.UUID("3b9b5a56-52a4-4f3c-8d0b-6f8d2f0b1c11")


def iso(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def base(policy_id: str, kind: str, n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid5(NAMESPACE, str(n))),
        "type": kind,
        "policy_id": policy_id,
        "jurisdiction": "CN",
        "agency": "made-up agency",
        "title": f"made-up event {n}",
        "announced_on": iso(rng.randint(0, 40)),
        "materials": rng.sample(MATERIALS, rng.randint(1, 2)),
        "sources": [{"title": "made up for a property test", "url": None}],
        "confidence": rng.choice(("confirmed", "reported")),
    }


def made_up_event(n: int, rng: random.Random, earlier: list[str]) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.12 and earlier:
        body = base(rng.choice(CONTROLS), "EventCorrected", n, rng)
        del body["policy_id"]
        change = rng.choice(("announced_on", "materials", "until", "amount_usd"))
        value: Any = {
            "announced_on": iso(rng.randint(0, 40)),
            "materials": rng.sample(MATERIALS, 1),
            "until": iso(rng.randint(10, 60)),
            "amount_usd": str(rng.randint(1, 9) * 1000),
        }[change]
        body.update(corrects=rng.choice(earlier), changes={change: value}, reason="made up")
        return body
    if roll < 0.18 and earlier:
        body = base(rng.choice(CONTROLS), "EventRetracted", n, rng)
        del body["policy_id"]
        body.update(retracts=rng.choice(earlier), reason="made up")
        return body
    if roll < 0.6:
        policy = rng.choice(CONTROLS)
        kind = rng.choice(
            ("ExportControlImposed", "ExportControlImposed", "ExportControlSuspended",
             "ExportControlSuspended", "ExportControlReinstated", "ExportControlLifted",
             "ExportControlAmended")
        )  # fmt: skip
        body = base(policy, kind, n, rng)
        if kind == "ExportControlImposed":
            body["measure"] = "ban"
            if rng.random() < 0.5:
                body["effective_from"] = iso(rng.randint(0, 45))
            if rng.random() < 0.3:
                body["effective_until"] = iso(rng.randint(46, 70))
        if kind == "ExportControlSuspended" and rng.random() < 0.7:
            body["until"] = iso(rng.randint(41, 80))
        return body
    policy = rng.choice(FUNDS)
    kind = rng.choice(
        ("FundingCommitted", "FundingCommitted", "FundingRevised", "FundingCancelled")
    )
    body = base(policy, kind, n, rng)
    amount = str(rng.randint(1, 9) * 1_000_000)
    if kind == "FundingCommitted":
        body.update(
            amount={"value": amount, "currency": "USD"}, amount_usd=amount, mechanism="grant"
        )
    if kind == "FundingRevised":
        body.update(amount={"value": amount, "currency": "USD"}, amount_usd=amount)
    return body


# --- the naive fold ----------------------------------------------------------------------------


def known_facts(
    log: list[tuple[int, dict[str, Any]]], position: int
) -> dict[str, list[dict[str, Any]]]:
    """Per policy, its events recorded by ``position``, corrected and without retracted ones."""
    seen = [fact for p, fact in log if p <= position]
    changes: dict[str, dict[str, Any]] = {}
    gone = set()
    for fact in seen:
        if fact["type"] == "EventCorrected":
            changes.setdefault(fact["corrects"], {}).update(fact["changes"])
        if fact["type"] == "EventRetracted":
            gone.add(fact["retracts"])
    policies: dict[str, list[dict[str, Any]]] = {}
    for fact in seen:
        if fact["type"] in ("EventCorrected", "EventRetracted") or fact["event_id"] in gone:
            continue
        policies.setdefault(fact["policy_id"], []).append(
            {**fact, **changes.get(fact["event_id"], {})}
        )
    return policies


def begins(fact: dict[str, Any]) -> str:
    return str(fact.get("effective_from") or fact["announced_on"])


def materials_on(imposed: dict[str, Any], facts: list[dict[str, Any]], on: str) -> list[str]:
    materials = imposed["materials"]
    for f in facts:
        if f["type"] == "ExportControlAmended" and begins(f) <= on:
            materials = f["materials"]
    return list(materials)


def naive_controls(log: list[tuple[int, dict[str, Any]]], position: int, on: str) -> dict[str, Any]:
    out = {}
    for policy_id, facts in known_facts(log, position).items():
        if facts[0]["type"] != "ExportControlImposed":
            continue
        imposed = facts[0]
        if on < min(imposed["announced_on"], begins(imposed)):
            continue
        lifts = [begins(f) for f in facts if f["type"] == "ExportControlLifted"]
        scoped = ("ExportControlImposed", "ExportControlAmended")
        ends = [f["effective_until"] for f in facts
                if f["type"] in scoped and f.get("effective_until")]  # fmt: skip
        ended = [d for d in (min(lifts, default=None), ends[-1] if ends else None) if d]
        if ended and on >= min(ended):
            kind = "lifted" if lifts and on >= min(lifts) else "expired"
            last_day = (date.fromisoformat(min(ended)) - timedelta(days=1)).isoformat()
            out[policy_id] = (kind, None, sorted(materials_on(imposed, facts, last_day)))
            continue
        materials = materials_on(imposed, facts, on)
        windows: list[list[Any]] = []
        for f in facts:
            if f["type"] == "ExportControlSuspended":
                windows.append([begins(f), f.get("until") or f.get("effective_until")])
            if f["type"] == "ExportControlReinstated" and windows:
                last = windows[-1]
                if last[0] <= begins(f) and (last[1] is None or begins(f) < last[1]):
                    last[1] = begins(f)
        covering = [w for w in windows if (w[1] is None or w[0] < w[1]) and w[0] <= on
                    and (w[1] is None or on < w[1])]  # fmt: skip
        status = "pending" if on < begins(imposed) else "suspended" if covering else "in_force"
        out[policy_id] = (status, covering[0][1] if covering else None, sorted(materials))
    return out


def naive_funding(log: list[tuple[int, dict[str, Any]]], position: int, on: str) -> dict[str, Any]:
    out = {}
    for policy_id, facts in known_facts(log, position).items():
        if facts[0]["type"] != "FundingCommitted" or on < facts[0]["announced_on"]:
            continue
        if any(f["type"] == "FundingCancelled" and begins(f) <= on for f in facts):
            continue
        amount = facts[0]["amount_usd"]
        for f in facts:
            if f["type"] == "FundingRevised" and begins(f) <= on:
                amount = f["amount_usd"]
        out[policy_id] = amount
    return out


def controls_seen(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        i["policy_id"]: (i["status"], i["suspended_until"], sorted(i["materials"])) for i in items
    }


def funding_seen(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {i["policy_id"]: i["amount_usd"] for i in items}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(5, 45),
    steps=st.lists(st.integers(1, 7), min_size=1, max_size=10),
)
def test_incremental_equals_rebuilt_equals_naive_fold(
    seed: int, count: int, steps: list[int]
) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        timeline = open_timeline(database_url(Path(directory)))
        store = view_store(timeline)
        live = [store.ensure_active_slot(v) for v in ("active-export-controls", "funding")]
        incremental = Runner(timeline, store)
        earlier: list[str] = []
        for n in range(count):
            body = made_up_event(n, rng, earlier)
            try:
                event = EVENT_ADAPTER.validate_json(json.dumps(body))
            except ValidationError:
                continue  # e.g. a suspension ending before it starts: the API refuses it too
            timeline.append([Submission(event, "t")], atomic=False)  # refusals are skipped
            earlier.append(body["event_id"])
            if rng.random() < 0.5:  # the runner follows in uneven steps while events arrive
                incremental.run_once(limit=steps[n % len(steps)])
        incremental.run_until_caught_up()
        rebuilt = [store.new_slot(s.view) for s in live]
        Runner(timeline, store, rebuilt).run_until_caught_up()
        # A rebuild that keeps almost nothing in memory between its (small) batches reads
        # facts and rows back from the store for nearly every event, as a rebuild of a log
        # with more policies than its caches hold does: it must build the same views.
        forgetful = [store.new_slot(s.view) for s in live]
        forgetting = Runner(timeline, store, forgetful, policy_cache=1, rows_cache=1)
        while forgetting.run_once(limit=rng.randint(1, 4)):
            pass

        head = timeline.position()
        log = [(r.position, r.fact) for r in timeline.read_log(LogQuery(limit=10_000))]
        for _ in range(25):
            position = rng.randint(0, head)
            on = D0 + timedelta(days=rng.randint(-2, 85))
            day = on.isoformat()
            for slot_live, slot_rebuilt, slot_forgetful, naive, seen in (
                (live[0], rebuilt[0], forgetful[0], naive_controls, controls_seen),
                (live[1], rebuilt[1], forgetful[1], naive_funding, funding_seen),
            ):
                a = store.stab(slot_live, position, on, ended=True)
                b = store.stab(slot_rebuilt, position, on, ended=True)
                c = store.stab(slot_forgetful, position, on, ended=True)
                assert sorted(a, key=str) == sorted(b, key=str), (slot_live.view, position, day)
                assert sorted(c, key=str) == sorted(b, key=str), (slot_live.view, position, day)
                assert seen(a) == naive(log, position, day), (slot_live.view, position, day)
                # A default read leaves ended entries out.
                live_only = seen(store.stab(slot_live, position, on))
                assert live_only == {
                    k: v for k, v in naive(log, position, day).items()
                    if not (isinstance(v, tuple) and v[0] in ("lifted", "expired"))
                }  # fmt: skip
        timeline.close()
