"""Counts over time (``GET /views/<name>/counts``) on the bundled real timeline, checked
against the reads of the same views on each period end, as an analyst would check a chart
against the tables it was drawn from.

From the events in service/data: China's controls in force at the end of 2023 are gallium and
germanium (cn-gage-2023, from 2023-08-01), graphite (cn-graphite-2023, from 2023-12-01) and
the rare-earth technology ban (cn-re-tech-ban-2023, from 2023-12-21); India's halt of exports
to Japan (in-irel-japan-halt-2025) is in force from 2025. Two funding commitments give no US
dollar figure (us-mp-pricefloor-2025, the DoD price floor; in-recycling-scheme-2025, in INR).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from fastapi import FastAPI

from projections.registry import VIEWS
from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

HEAD = 57  # events in the bundled timeline
COUNTED = [spec for spec in VIEWS.values() if spec.read_by_date]


async def counts(client: httpx.AsyncClient, view: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/views/{view}/counts", params={"min_position": HEAD, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def read(client: httpx.AsyncClient, view: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/views/{view}", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def refused(client: httpx.AsyncClient, path: str, **params: Any) -> str:
    """422's message, with the details that name what was wrong."""
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    return " ".join([error["message"], *(d["message"] for d in error["details"])])


def by_period(items: list[dict[str, Any]]) -> dict[str, dict[str | None, dict[str, Any]]]:
    out: dict[str, dict[str | None, dict[str, Any]]] = {}
    for item in items:
        out.setdefault(item["period_end"], {})[item["key"]] = item
    return out


async def test_chinas_controls_in_force_at_each_year_end(client: httpx.AsyncClient) -> None:
    body = await counts(
        client, "active-export-controls", by="jurisdiction", bucket="year",
        status="in_force", **{"from": "2020-01-01", "to": "2025-12-31"},
    )  # fmt: skip
    assert body["view"] == "active-export-controls"
    assert (body["by"], body["bucket"], body["from"], body["to"]) == (
        "jurisdiction", "year", "2020-01-01", "2025-12-31"
    )  # fmt: skip
    cn = {i["period_end"]: i["count"] for i in body["items"] if i["key"] == "CN"}
    assert cn == {"2023-12-31": 3, "2024-12-31": 6, "2025-12-31": 7}  # none before 2023
    assert [i for i in body["items"] if i["key"] == "IN"] == [
        {"period_end": "2025-12-31", "key": "IN", "count": 1}
    ]
    # Each count is the read of that day, at the same position.
    for year_end, count in cn.items():
        shown = await read(
            client, "active-export-controls", at=year_end, status="in_force",
            jurisdiction="CN", known_at=f"position={body['position']}",
        )  # fmt: skip
        assert len(shown["items"]) == count
    end_2023 = await read(client, "active-export-controls", at="2023-12-31", status="in_force")
    assert {i["policy_id"] for i in end_2023["items"]} == {
        "cn-gage-2023", "cn-graphite-2023", "cn-re-tech-ban-2023"
    }  # fmt: skip


async def test_funding_by_agency_at_year_ends_equals_the_funding_reads_totals(
    client: httpx.AsyncClient,
) -> None:
    body = await counts(
        client, "funding", by="agency", bucket="year", **{"from": "2021-06-01", "to": "2025-12-31"}
    )
    groups = by_period(body["items"])
    assert list(groups) == ["2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"]
    unpriced_seen = 0
    for year_end, counted in groups.items():
        grouped = await read(
            client, "funding", at=year_end, group_by="agency",
            known_at=f"position={body['position']}",
        )  # fmt: skip
        expected = {g["key"]["agency"]: g for g in grouped["items"]}
        assert set(counted) == set(expected), year_end
        for agency, item in counted.items():
            assert isinstance(item["total_usd"], str)
            assert item["total_usd"] == expected[agency]["total_usd"], (year_end, agency)
            # Every standing commitment counts; the unpriced ones add nothing to the total.
            assert item["count"] == expected[agency]["count"] + expected[agency]["unpriced"]
            unpriced_seen += expected[agency]["unpriced"]
    assert unpriced_seen >= 2  # the price floor and India's INR scheme, at the end of 2025
    dod = groups["2025-12-31"]["DoD"]
    assert Decimal(dod["total_usd"]) > Decimal(groups["2024-12-31"]["DoD"]["total_usd"])


async def test_every_view_and_field_counts_what_its_read_shows(client: httpx.AsyncClient) -> None:
    for spec in COUNTED:
        assert spec.count_by, spec.name
        for by in spec.count_by:
            body = await counts(
                client, spec.name, by=by, bucket="year",
                **{"from": "2023-01-01", "to": "2026-06-30"},
            )  # fmt: skip
            groups = by_period(body["items"])
            for end in ("2023-12-31", "2024-12-31", "2025-12-31", "2026-06-30"):
                shown = await read(
                    client, spec.name, at=end, known_at=f"position={body['position']}"
                )
                expected: Counter[str | None] = Counter()
                for item in shown["items"]:
                    # By material, once under each material the entry lists.
                    keys = set(item["materials"]) if by == "material" else {item.get(by)}
                    expected.update(keys)
                found = {key: i["count"] for key, i in groups.get(end, {}).items()}
                assert found == dict(expected), (spec.name, by, end)
            ordered = [(i["period_end"], i["key"] or "") for i in body["items"]]
            assert ordered == sorted(ordered)
            assert all(i["count"] > 0 for i in body["items"])  # zero counts are left out


async def test_period_ends_are_calendar_ends_and_the_last_is_to(
    client: httpx.AsyncClient,
) -> None:
    asked = {"by": "jurisdiction", "status": "in_force", "from": "2024-02-15", "to": "2024-08-10"}
    expected = {
        "month": ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30",
                  "2024-07-31", "2024-08-10"],
        "quarter": ["2024-03-31", "2024-06-30", "2024-08-10"],
        "year": ["2024-08-10"],
    }  # fmt: skip
    for bucket, ends in expected.items():
        body = await counts(client, "active-export-controls", bucket=bucket, **asked)
        assert [i["period_end"] for i in body["items"]] == ends  # CN only, in force throughout
    one_day = await counts(
        client, "active-export-controls", by="jurisdiction", status="in_force",
        **{"from": "2024-12-31", "to": "2024-12-31"},
    )  # fmt: skip
    assert one_day["items"] == [{"period_end": "2024-12-31", "key": "CN", "count": 6}]


async def test_defaults_to_today_two_years_back_by_month(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.clock = lambda: datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    body = await counts(client, "goals", by="status")
    assert (body["bucket"], body["from"], body["to"]) == ("month", "2024-02-28", "2026-02-28")
    ends = sorted({i["period_end"] for i in body["items"]})
    assert ends[-1] == "2026-02-28" and len(ends) <= 25
    app.state.clock = lambda: datetime(2024, 2, 29, 12, tzinfo=UTC)  # a leap day
    body = await counts(client, "goals", by="status")
    assert (body["from"], body["to"]) == ("2022-02-28", "2024-02-29")


async def test_filters_apply_as_in_the_read_default_statuses_included(
    client: httpx.AsyncClient,
) -> None:
    span = {"from": "2025-01-01", "to": "2026-11-28", "bucket": "quarter"}
    default = await counts(client, "active-export-controls", by="status", **span)
    assert {i["key"] for i in default["items"]} <= {"pending", "in_force", "suspended"}
    assert "suspended" in {i["key"] for i in default["items"]}  # No. 61 and clause 2 of No. 46
    ended = await counts(
        client, "active-export-controls", by="status", status=["lifted", "expired"], **span
    )
    assert {i["key"] for i in ended["items"]} <= {"lifted", "expired"}
    gallium = await counts(
        client, "active-export-controls", by="material", material="Ga", jurisdiction="CN",
        status="in_force", **span,
    )  # fmt: skip
    last = [i for i in gallium["items"] if i["period_end"] == "2026-11-28"]
    shown = await read(
        client, "active-export-controls", at="2026-11-28", material="Ga", jurisdiction="CN",
        status="in_force",
    )  # fmt: skip
    expected = Counter(m for item in shown["items"] for m in set(item["materials"]))
    assert {i["key"]: i["count"] for i in last} == dict(expected)
    assert expected["Ga"] >= 1
    for level in ("confirmed", "unverified"):
        body = await counts(client, "funding", by="jurisdiction", min_confidence=level, **span)
        grouped = await read(
            client, "funding", at="2026-11-28", group_by="jurisdiction", min_confidence=level
        )
        last = [i for i in body["items"] if i["period_end"] == "2026-11-28"]
        assert {i["key"]: i["total_usd"] for i in last} == {
            g["key"]["jurisdiction"]: g["total_usd"] for g in grouped["items"]
        }


async def test_what_a_count_refuses(client: httpx.AsyncClient) -> None:
    path = "/views/funding/counts"
    # Funding has no status; the answer says what it counts by.
    message = await refused(client, path, by="status")
    assert "'jurisdiction', 'material', 'agency' or 'mechanism'" in message
    assert "query.by" in await refused(client, path)  # by is required
    message = await refused(client, path, by="agency", **{"from": "2025-02-01", "to": "2025-01-31"})
    assert message.startswith("from 2025-02-01 is after to 2025-01-31")
    message = await refused(client, path, by="agency", **{"from": "1980-01-01", "to": "2025-12-31"})
    assert "552 buckets, more than 400" in message
    at_most = await counts(
        client, "funding", by="agency", **{"from": "2000-01-01", "to": "2033-04-30"}
    )
    assert at_most["items"][-1]["period_end"] == "2033-04-30"  # the 400th month's end
    assert "401 buckets" in await refused(
        client, path, by="agency", **{"from": "2000-01-01", "to": "2033-05-01"}
    )
    await counts(client, "funding", by="agency", bucket="year", **{"from": "1980-01-01"})
    await refused(client, path, by="agency", bucket="week")
    await refused(client, path, by="agency", to="2025-13-01")
    await refused(client, "/views/active-export-controls/counts", by="jurisdiction", status="gone")
    await refused(client, "/views/goals/counts", by="mechanism")
    assert (
        await client.get("/views/timeline/counts", params={"by": "jurisdiction"})
    ).status_code == 404


async def test_a_count_s_permalink_answers_the_same_after_corrections_and_retractions(
    client: httpx.AsyncClient,
) -> None:
    asked = {
        "by": "jurisdiction",
        "status": "in_force",
        "material": ["Dy", "Ga"],
        "bucket": "quarter",
    }
    first = await counts(client, "active-export-controls", **asked)
    link = first["permalink"]
    path, query = urlsplit(link).path, parse_qsl(urlsplit(link).query)
    assert path == "/views/active-export-controls/counts"
    assert ("known_at", f"position={first['position']}") in query
    assert ("to", first["to"]) in query and ("from", first["from"]) in query  # both written out
    assert [v for k, v in query if k == "material"] == ["Dy", "Ga"]
    assert ("status", "in_force") in query and ("bucket", "quarter") in query
    pinned = await client.get(link)
    assert pinned.json()["items"] == first["items"]
    assert pinned.json()["permalink"] == link  # the permalink of a permalink is itself

    no18 = (await client.get("/policies/cn-7ree-2025")).json()
    gage = (await client.get("/policies/cn-gage-2023")).json()
    changes = [
        made_up_control(
            title="Made-up control on dysprosium", materials=["Dy"],
            announced_on="2024-01-10", policy_id="xx-madeup-count-control",
        ),
        made_up_follow_up(
            "EventCorrected", policy_id=None, corrects=no18["history"][0]["event"]["event_id"],
            changes={"materials": ["Sm"]}, reason="made-up test correction",
        ),
        made_up_follow_up(
            "EventRetracted", policy_id=None, retracts=gage["history"][0]["event"]["event_id"],
            reason="made-up test retraction",
        ),
    ]  # fmt: skip
    position = 0
    for change in changes:
        posted = await client.post("/events", json=change, headers=AUTH)
        assert posted.status_code == 201, posted.text
        position = posted.json()["position"]
    now = await counts(client, "active-export-controls", **asked, min_position=position)
    assert now["items"] != first["items"]  # the new facts show in a count as known now
    later = await client.get(link)
    assert later.content == pinned.content
