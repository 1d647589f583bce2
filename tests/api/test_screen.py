"""``GET /screen``: may a product leave one jurisdiction for another on a day? Answered on the
bundled real timeline (service/data and its README), plus made-up controls (exporter ``AU``,
where the bundled timeline has none) for the rules the real data does not exercise.

Real facts used: MOFCOM/GAC Announcement No. 23 of 2023 (``cn-gage-2023``) requires licences
for gallium and germanium items to every destination from 2023-08-01 and lists metallic
gallium's reference code 8112929090 (its HS list is partial); clause 2 of MOFCOM Announcement
No. 46 of 2024 (``cn-us-gagesb-2024``) bans Ga/Ge/Sb exports to the US only, from 2024-12-03,
suspended from 2025-11-09 until 2026-11-27; Announcement No. 18 of 2025 (``cn-7ree-2025``)
lists Dy and a partial HS list under 2846.90; No. 57 of 2025 (``cn-ann57-2025``, Ho) was due
on 2025-11-08 and was suspended the day before by No. 70 (line 51 of the bundled file).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

LOADED = 57  # the bundled timeline's last position
GAGE = "cn-gage-2023"
US_BAN = "cn-us-gagesb-2024"
NO18 = "cn-7ree-2025"
NO57 = "cn-ann57-2025"
GALLIUM_METAL = "8112.92.90.90"  # a reference code of metallic gallium in No. 23's list
GALLIUM = {"material": "Ga", "hs_code": GALLIUM_METAL, "exporter": "CN"}
CONTROL_FIELDS = {
    "policy_id", "title", "status", "measure", "matched_by", "coverage", "hs_codes_complete",
    "effective_from", "suspended_since", "suspended_until", "targets", "excluded_targets",
    "sources",
}  # fmt: skip


async def screen(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    if "known_at" not in params:
        params.setdefault("min_position", LOADED)  # the bundled timeline applied
    response = await client.get("/screen", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["policy_id"]: item for item in items}


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> int:
    answer = await client.post("/events", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["position"])


def made_up_au_control(policy_id: str, **overrides: Any) -> dict[str, Any]:
    """A made-up Australian control (the bundled timeline has no Australian one)."""
    return made_up_control(**{
        "policy_id": policy_id, "jurisdiction": "AU", "agency": "Made-up agency",
        "title": f"Made-up control {policy_id}", "announced_on": "2025-01-01",
        "effective_from": "2025-01-01", "materials": ["Dy"], "hs_codes": ["2846.90"], **overrides,
    })  # fmt: skip


def made_up_au_amendment(policy_id: str, starts: str, **overrides: Any) -> dict[str, Any]:
    """A made-up amendment of :func:`made_up_au_control`'s control, keeping its scope."""
    return made_up_follow_up("ExportControlAmended", **{
        "policy_id": policy_id, "jurisdiction": "AU", "agency": "Made-up agency",
        "announced_on": starts, "effective_from": starts, "materials": ["Dy"],
        "hs_codes": ["2846.90"], **overrides,
    })  # fmt: skip


# --- the US gallium ban across its suspension ---------------------------------------------------


@pytest.mark.parametrize(
    ("on", "destination", "expected"),
    [
        ("2025-06-01", "US", {GAGE: ("in_force", None), US_BAN: ("in_force", None)}),
        ("2026-01-15", "US", {GAGE: ("in_force", None), US_BAN: ("suspended", "2026-11-27")}),
        ("2026-12-01", "US", {GAGE: ("in_force", None), US_BAN: ("in_force", None)}),
        # Japan: never the US-only ban, always No. 23, which applies to every destination.
        ("2025-06-01", "JP", {GAGE: ("in_force", None)}),
        ("2026-01-15", "JP", {GAGE: ("in_force", None)}),
        ("2026-12-01", "JP", {GAGE: ("in_force", None)}),
    ],
)
async def test_gallium_to_the_us_and_to_japan_across_the_suspension(
    client: httpx.AsyncClient,
    on: str,
    destination: str,
    expected: dict[str, tuple[str, str | None]],
) -> None:
    body = await screen(client, **GALLIUM, destination=destination, on=on)
    assert body["on"] == on
    assert body["position"] == LOADED
    assert body["query"] == {
        "hs_codes": [GALLIUM_METAL], "materials": ["Ga"], "exporter": "CN",
        "destination": destination,
    }  # fmt: skip
    binding = by_id(body["binding"])
    assert {k: (v["status"], v["suspended_until"]) for k, v in binding.items()} == expected
    gage = binding[GAGE]
    assert set(gage) == CONTROL_FIELDS
    assert gage["matched_by"] == [f"hs_code:{GALLIUM_METAL}", "material:Ga"]
    assert gage["coverage"] == "full"
    assert gage["hs_codes_complete"] is False
    assert gage["measure"] == "licence_required"
    assert gage["targets"] == [] and gage["excluded_targets"] == []
    assert gage["effective_from"] == "2023-08-01"
    assert any("covingtonblogs.com" in (s["url"] or "") for s in gage["sources"])
    if US_BAN in binding:
        ban = binding[US_BAN]
        assert ban["matched_by"] == ["material:Ga"]  # it lists no HS codes
        assert (ban["coverage"], ban["measure"], ban["targets"]) == ("full", "ban", ["US"])
        assert ban["hs_codes_complete"] is None
        suspended = ban["status"] == "suspended"
        assert ban["suspended_since"] == ("2025-11-09" if suspended else None)
    assert body["upcoming"] == []


async def test_without_a_destination_every_control_of_the_exporter_counts(
    client: httpx.AsyncClient,
) -> None:
    body = await screen(client, material="gallium", exporter="CN", on="2025-06-01")
    assert body["query"]["destination"] is None
    assert body["query"]["materials"] == ["Ga"]
    assert set(by_id(body["binding"])) == {GAGE, US_BAN}
    assert (await screen(client, material="Ga", exporter="US", on="2025-06-01"))["binding"] == []


async def test_a_company_named_among_the_targets_is_not_a_country(
    client: httpx.AsyncClient,
) -> None:
    """India's halt (in-irel-japan-halt-2025) targets JP and "Toyotsu Rare Earths India":
    it applies to Japan, and not to India because a company's name mentions it."""
    to_japan = await screen(client, material="Nd", exporter="IN", destination="JP", on="2025-12-01")
    assert [c["policy_id"] for c in to_japan["binding"]] == ["in-irel-japan-halt-2025"]
    to_india = await screen(client, material="Nd", exporter="IN", destination="IN", on="2025-12-01")
    assert to_india["binding"] == []


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "matched_by", "coverage"),
    [
        # No. 18 lists 2846901940 and other lines under 2846.90: a subheading is covered in part
        ({"hs_code": "2846.90"}, ["hs_code:2846.90"], "partial"),
        ({"hs_code": "284690"}, ["hs_code:2846.90"], "partial"),
        ({"hs_code": "28"}, ["hs_code:28"], "partial"),
        # ... and a line it lists, or one under it, whole
        ({"hs_code": "2846.90.19.40"}, ["hs_code:2846.90.19.40"], "full"),
        ({"material": "Dy"}, ["material:Dy"], "full"),
        ({"material": "dysprosium"}, ["material:Dy"], "full"),
        ({"material": "HREE"}, ["material:HREE"], "partial"),  # it lists some of them
        # full as soon as one matched term is covered whole
        ({"hs_code": "2846.90", "material": "Dy"}, ["hs_code:2846.90", "material:Dy"], "full"),
    ],
)
async def test_coverage_full_and_partial(
    client: httpx.AsyncClient, asked: dict[str, str], matched_by: list[str], coverage: str
) -> None:
    body = await screen(client, **asked, exporter="CN", destination="DE", on="2025-06-01")
    no18 = by_id(body["binding"])[NO18]
    assert (no18["matched_by"], no18["coverage"]) == (matched_by, coverage)


async def test_a_heading_covers_its_subheadings_fully_and_a_group_its_members(
    client: httpx.AsyncClient,
) -> None:
    position = await post(
        client, made_up_au_control("xx-madeup-heading", hs_codes=["2846"], materials=["REE"])
    )
    body = await screen(
        client, hs_code=["284690", "2846.90", "8112.92"], material="Dy", exporter="AU",
        on="2025-06-01", min_position=position,
    )  # fmt: skip
    assert body["query"]["hs_codes"] == ["2846.90", "8112.92"]  # one code, however written
    [control] = body["binding"]
    assert control["matched_by"] == ["hs_code:2846.90", "material:Dy"]
    assert control["coverage"] == "full"
    assert body["not_ruled_out"] == []


# --- excluded destinations ----------------------------------------------------------------------


async def test_excluded_targets_set_and_cleared_by_amendments(client: httpx.AsyncClient) -> None:
    all_but_japan = "xx-madeup-all-but-japan"
    await post(client, made_up_au_control(all_but_japan, excluded_targets=["JP"]))
    await post(client, made_up_au_amendment(all_but_japan, "2025-07-01", excluded_targets=[]))
    only_two = "xx-madeup-us-and-jp-only"
    await post(client, made_up_au_control(only_two, targets=["US", "JP"]))
    position = await post(
        client, made_up_au_amendment(only_two, "2025-09-01", targets=["US", "JP"],
                                     excluded_targets=["US"]),
    )  # fmt: skip

    async def bound(destination: str | None, on: str) -> dict[str, list[str]]:
        asked = {"destination": destination} if destination else {}
        body = await screen(client, material="Dy", exporter="AU", on=on, min_position=position,
                            **asked)  # fmt: skip
        return {c["policy_id"]: c["excluded_targets"] for c in body["binding"]}

    assert await bound("JP", "2025-06-01") == {only_two: []}  # Japan excluded from the first
    assert await bound("US", "2025-06-01") == {all_but_japan: ["JP"], only_two: []}
    assert await bound("DE", "2025-06-01") == {all_but_japan: ["JP"]}  # not a target of the 2nd
    assert await bound(None, "2025-06-01") == {all_but_japan: ["JP"], only_two: []}
    # From 2025-07-01 the first applies to Japan too; from 2025-09-01 the second leaves out the US
    assert await bound("JP", "2025-08-01") == {all_but_japan: [], only_two: []}
    assert await bound("US", "2025-10-01") == {all_but_japan: []}
    assert await bound("JP", "2025-10-01") == {all_but_japan: [], only_two: ["US"]}
    assert await bound(None, "2025-10-01") == {all_but_japan: [], only_two: ["US"]}


# --- upcoming -----------------------------------------------------------------------------------


async def test_announcement_57_upcoming_before_and_after_its_suspension_was_recorded(
    client: httpx.AsyncClient,
) -> None:
    asked = {"material": "Ho", "exporter": "CN", "destination": "US", "on": "2025-10-15"}
    before = await screen(client, **asked, known_at="position=50")
    [upcoming] = before["upcoming"]
    assert upcoming["policy_id"] == NO57
    assert (upcoming["takes_effect"], upcoming["status"]) == ("2025-11-08", "in_force")
    assert set(upcoming) == CONTROL_FIELDS | {"takes_effect"}
    assert NO57 not in by_id(before["binding"])
    after = await screen(client, **asked, known_at=f"position={LOADED}")
    [upcoming] = after["upcoming"]
    assert (upcoming["policy_id"], upcoming["status"]) == (NO57, "suspended")
    assert (upcoming["suspended_since"], upcoming["suspended_until"]) == (
        "2025-11-07",
        "2026-11-10",
    )
    on_the_day = await screen(client, **{**asked, "on": "2025-11-08"})
    assert by_id(on_the_day["binding"])[NO57]["status"] == "suspended"
    assert on_the_day["upcoming"] == []


async def test_upcoming_looks_90_days_ahead(client: httpx.AsyncClient) -> None:
    on = "2025-03-01"  # + 90 days: 2025-05-30
    bodies = [
        made_up_au_control("xx-madeup-on-day-90", effective_from="2025-05-30"),
        made_up_au_control("xx-madeup-on-day-91", effective_from="2025-05-31"),
        made_up_au_control("xx-madeup-unannounced-on-the-day", announced_on="2025-03-10",
                           effective_from="2025-04-01"),
        made_up_au_control("xx-madeup-lifted-in-the-window", effective_from="2025-04-15"),
        made_up_follow_up("ExportControlLifted", policy_id="xx-madeup-lifted-in-the-window",
                          jurisdiction="AU", announced_on="2025-05-01"),
        made_up_au_control("xx-madeup-suspended-from-the-start", effective_from="2025-04-20"),
        made_up_follow_up("ExportControlSuspended", policy_id="xx-madeup-suspended-from-the-start",
                          jurisdiction="AU", announced_on="2025-04-19", until="2025-12-01"),
        made_up_au_control("xx-madeup-for-japan-only", effective_from="2025-04-01",
                           targets=["JP"]),
        made_up_au_control("xx-madeup-on-cobalt", effective_from="2025-04-01",
                           materials=["Co"], hs_codes=["8105"]),
    ]  # fmt: skip
    for body in bodies:
        position = await post(client, body)
    answer = await screen(
        client, material="Dy", exporter="AU", destination="US", on=on, min_position=position
    )
    assert answer["binding"] == []
    found = [(c["takes_effect"], c["policy_id"], c["status"]) for c in answer["upcoming"]]
    assert found == [
        ("2025-04-01", "xx-madeup-unannounced-on-the-day", "in_force"),
        ("2025-04-15", "xx-madeup-lifted-in-the-window", "in_force"),
        ("2025-04-20", "xx-madeup-suspended-from-the-start", "suspended"),
        ("2025-05-30", "xx-madeup-on-day-90", "in_force"),
    ]
    suspended = answer["upcoming"][2]
    assert (suspended["suspended_since"], suspended["suspended_until"]) == (
        "2025-04-19",
        "2025-12-01",
    )


# --- not ruled out ------------------------------------------------------------------------------


async def test_controls_with_partial_or_unknown_hs_lists_are_not_ruled_out(
    client: httpx.AsyncClient,
) -> None:
    body = await screen(client, **GALLIUM, destination="US", on="2025-06-01")
    left = by_id(body["not_ruled_out"])
    assert set(left[NO18]) == {"policy_id", "title", "status", "reason", "materials"}
    assert (left[NO18]["reason"], left[NO18]["status"]) == ("hs_codes_incomplete", "in_force")
    assert "Dy" in left[NO18]["materials"]
    assert left["cn-re-tech-ban-2023"]["reason"] == "hs_codes_unknown"
    assert left["cn-us-milban-2024"]["reason"] == "hs_codes_unknown"  # all dual-use items, US
    assert "cn-graphite-2023" not in left  # its list is complete: it is ruled out
    assert GAGE not in left and US_BAN not in left  # they matched
    assert "in-irel-japan-halt-2025" not in left  # not the exporter's
    # Japan: the US-only clause 1 does not apply there
    assert "cn-us-milban-2024" not in by_id(
        (await screen(client, **GALLIUM, destination="JP", on="2025-06-01"))["not_ruled_out"]
    )


async def test_a_screen_matching_nothing_still_names_what_it_cannot_rule_out(
    client: httpx.AsyncClient,
) -> None:
    body = await screen(client, hs_code="0101.21", exporter="CN", destination="US", on="2026-01-15")
    assert body["binding"] == [] and body["upcoming"] == []
    left = by_id(body["not_ruled_out"])
    assert left["cn-ann61-2025"] == {
        "policy_id": "cn-ann61-2025", "title": left["cn-ann61-2025"]["title"],
        "status": "suspended", "reason": "hs_codes_unknown",
        "materials": left["cn-ann61-2025"]["materials"],
    }  # fmt: skip
    assert left[NO18]["reason"] == "hs_codes_incomplete"
    # Materials alone say nothing about HS lists: nothing is listed as not ruled out.
    assert (await screen(client, material="Ga", exporter="CN", on="2025-06-01"))[
        "not_ruled_out"
    ] == []


# --- record time, default date, permalinks --------------------------------------------------------


async def test_a_permalink_answers_the_same_after_new_events_corrections_and_retractions(
    client: httpx.AsyncClient,
) -> None:
    asked = {**GALLIUM, "destination": "us", "on": "2026-01-15", "material": ["Ga", "Dy"]}
    first = await screen(client, **asked)
    assert first["query"]["destination"] == "US"
    link = first["permalink"]
    assert link.startswith("/screen?")
    assert f"known_at=position={first['position']}" in link and "on=2026-01-15" in link
    assert "min_position" not in link
    pinned = await client.get(link)
    assert pinned.status_code == 200
    assert pinned.json()["permalink"] == link
    for name in ("binding", "upcoming", "not_ruled_out", "query", "on"):
        assert pinned.json()[name] == first[name], name

    ban = (await client.get(f"/policies/{US_BAN}")).json()
    suspension = ban["history"][-1]["event"]
    assert suspension["type"] == "ExportControlSuspended"
    no18 = (await client.get(f"/policies/{NO18}")).json()["history"][0]["event"]
    changes = [
        made_up_follow_up(
            "EventCorrected", policy_id=None, corrects=suspension["event_id"],
            changes={"until": "2026-01-01"}, reason="made-up test correction",
        ),
        made_up_follow_up(
            "EventRetracted", policy_id=None, retracts=no18["event_id"],
            reason="made-up test retraction",
        ),
        made_up_control(policy_id="xx-madeup-gallium-ban", materials=["Ga"], targets=["US"],
                        title="Made-up ban on gallium to the US", measure="ban"),
    ]  # fmt: skip
    for body in changes:
        position = await post(client, body)
    now = await screen(client, **{**asked, "min_position": position})
    assert by_id(now["binding"])[US_BAN]["status"] == "in_force"  # the suspension corrected
    assert NO18 not in by_id(now["not_ruled_out"])  # retracted
    assert "xx-madeup-gallium-ban" in by_id(now["binding"])
    later = await client.get(link)
    assert later.content == pinned.content


async def test_on_defaults_to_today_by_the_app_clock(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.clock = lambda: datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    body = await screen(client, **GALLIUM, destination="US")
    assert body["on"] == "2026-01-15"
    assert by_id(body["binding"])[US_BAN]["status"] == "suspended"
    assert "on=2026-01-15" in body["permalink"]


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"exporter": "CN"}, "hs_code", "at least one hs_code or material"),
        ({"exporter": "CN", "hs_code": "2"}, "hs_code", "2 to 10 digits"),
        ({"exporter": "CN", "hs_code": "28469010000"}, "hs_code", "2 to 10 digits"),
        ({"exporter": "CN", "hs_code": "2846.9a"}, "hs_code", "not an HS code"),
        ({"exporter": "CN", "hs_code": "2846..90"}, "hs_code", "not an HS code"),
        ({"exporter": "CN", "hs_code": ".2846"}, "hs_code", "not an HS code"),
        ({"exporter": "CN", "hs_code": ""}, "hs_code", "not an HS code"),
        ({"exporter": "CN", "hs_code": ["2846"] * 101}, "hs_code", "at most 100"),
        ({"exporter": "CN", "material": " "}, "material", "cannot be empty"),
        ({"exporter": "CN", "material": "x" * 101}, "material", "at most 100 characters"),
        ({"hs_code": "2846"}, "query.exporter", "exporter"),
        ({"hs_code": "2846", "exporter": "China"}, "exporter", "not a jurisdiction code"),
        ({"hs_code": "2846", "exporter": "CN", "destination": "Toyotsu"}, "destination",
         "not a jurisdiction code"),
        ({"hs_code": "2846", "exporter": "CN", "on": "2026-02-30"}, "query.on", "on"),
        ({"hs_code": "2846", "exporter": "CN", "known_at": "last week"}, "known_at", "known_at"),
        ({"hs_code": "2846", "exporter": "CN", "known_at": "position=999999"}, None,
         "beyond the end of the log"),
        ({"hs_code": "2846", "exporter": "CN", "min_confidence": "sure"}, "query.min_confidence",
         "min_confidence"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_clear_422(
    client: httpx.AsyncClient, params: dict[str, Any], field: str | None, says: str
) -> None:
    response = await client.get("/screen", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert says in error["message"]
    if field is not None:
        assert error["details"][0]["field"] == field


async def test_the_last_days_of_the_calendar_are_no_500(client: httpx.AsyncClient) -> None:
    body = await screen(client, hs_code="2846", exporter="CN", on="9999-12-31")
    assert body["on"] == "9999-12-31" and body["upcoming"] == []
