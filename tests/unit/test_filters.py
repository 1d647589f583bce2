"""``service.queries.filters``: which items and events a reader's filter admits, and the filter
each view builds from its declared filters. Items here are made up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.materials import GROUPS, RARE_EARTHS
from projections import export_controls, funding, goals, tariffs, timeline
from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.queries.filters import (
    ItemFilter,
    LogFilter,
    material_keys,
    select,
    select_counted,
    view_filter,
)
from service.queries.problems import Invalid

HREE = set(GROUPS["HREE"])
ALL_RARE_EARTHS = set(RARE_EARTHS)


def made_up_item(policy_id: str = "made-up-item", **fields: Any) -> dict[str, Any]:
    """A made-up view entry (or event) with the fields filters look at."""
    return {
        "policy_id": policy_id,
        "title": f"Made-up entry {policy_id}",
        "jurisdiction": "CN",
        "materials": ["Dy"],
        "confidence": "confirmed",
        **fields,
    }


# --- material_keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (None, set()),
        ([], set()),
        (["Dy"], {"Dy", "HREE", "REE"}),
        (["dysprosium"], {"Dy", "HREE", "REE"}),
        (["dy"], {"Dy", "HREE", "REE"}),
        (["Nd"], {"Nd", "NdPr", "LREE", "REE"}),
        (["HREE"], HREE | {"HREE", "REE"}),
        (["NdPr"], {"Nd", "Pr", "NdPr", "LREE", "REE"}),
        (["REE"], ALL_RARE_EARTHS | set(GROUPS)),
        (["rare earths"], ALL_RARE_EARTHS | set(GROUPS)),
        (["Ga"], {"Ga"}),
        (["gallium"], {"Ga"}),
        (["magnets"], {"magnets"}),
        (["NdFeB magnets"], {"ndfeb magnets"}),
        (["Tb/Dy-containing NdFeB magnets"], {"tb/dy-containing ndfeb magnets"}),
        (["Dy", "graphite"], {"Dy", "HREE", "REE", "graphite"}),
    ],
)
def test_material_keys_name_what_a_filter_on_the_materials_matches(
    names: list[str] | None, expected: set[str]
) -> None:
    assert material_keys(names) == frozenset(expected)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_name_that_is_no_material_is_invalid(name: str) -> None:
    with pytest.raises(Invalid) as raised:
        material_keys(["Dy", name])
    assert raised.value.details[0]["field"] == "material"
    assert raised.value.code == "invalid"


@pytest.mark.parametrize(
    ("query", "listed", "admitted"),
    [
        ("Dy", ["Dy"], True),
        ("Dy", ["HREE"], True),
        ("Dy", ["REE"], True),
        ("Dy", ["Nd"], False),
        ("Dy", ["LREE"], False),
        ("Dy", ["Tb/Dy-containing NdFeB magnets"], False),  # a symbol is never a word
        ("HREE", ["Dy"], True),
        ("HREE", ["REE"], True),
        ("HREE", ["Nd"], False),
        ("REE", ["NdPr"], True),
        ("NdPr", ["Nd"], True),
        ("NdPr", ["HREE"], False),
        ("magnets", ["NdFeB magnets"], True),
        ("magnets", ["SmCo magnets"], True),
        ("magnet", ["NdFeB magnets"], False),  # whole words only
        ("NdFeB magnets", ["Tb/Dy-containing NdFeB magnets"], True),
        ("ndfeb MAGNETS", ["NdFeB magnets"], True),  # case does not matter
        ("magnets NdFeB", ["NdFeB magnets"], False),  # word order does
        ("graphite", ["natural graphite"], True),
        ("graphite", ["Dy", "graphite"], True),  # one listed material is enough
    ],
)
def test_a_material_filter_matches_by_group_and_by_word(
    query: str, listed: list[str], admitted: bool
) -> None:
    chosen = ItemFilter(keys=material_keys([query]))
    assert chosen.admits(made_up_item(materials=listed)) is admitted


def test_a_material_filter_admits_an_item_bearing_on_any_of_its_materials() -> None:
    chosen = ItemFilter(keys=material_keys(["Ga", "magnets"]))
    assert chosen.admits(made_up_item(materials=["Ga"]))
    assert chosen.admits(made_up_item(materials=["SmCo magnets"]))
    assert not chosen.admits(made_up_item(materials=["Ge"]))
    assert not chosen.admits(made_up_item(materials=[]))


# --- ItemFilter ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_confidence", "admitted"),
    [
        ("unverified", {"unverified", "reported", "confirmed", "unstated"}),
        ("reported", {"reported", "confirmed", "unstated"}),
        ("confirmed", {"confirmed", "unstated"}),
    ],
)
def test_min_confidence_leaves_out_less_certain_items(
    min_confidence: str, admitted: set[str]
) -> None:
    chosen = ItemFilter(min_confidence=min_confidence)
    items = {c: made_up_item(confidence=c) for c in ("unverified", "reported", "confirmed")}
    items["unstated"] = {k: v for k, v in made_up_item().items() if k != "confidence"}
    assert {name for name, item in items.items() if chosen.admits(item)} == admitted


def test_by_default_any_item_at_least_reported_is_admitted() -> None:
    chosen = ItemFilter()
    assert chosen.admits(made_up_item(jurisdiction="US", materials=["graphite"]))
    assert chosen.admits(made_up_item(confidence="reported"))
    assert not chosen.admits(made_up_item(confidence="unverified"))


def test_equals_wants_each_field_among_its_values() -> None:
    chosen = ItemFilter(equals=(("jurisdiction", ("CN", "US")), ("measure", ("ban",))))
    assert chosen.admits(made_up_item(jurisdiction="US", measure="ban"))
    assert not chosen.admits(made_up_item(jurisdiction="IN", measure="ban"))
    assert not chosen.admits(made_up_item(jurisdiction="CN", measure="licence_required"))
    assert not chosen.admits(made_up_item(jurisdiction="CN"))  # no measure at all


def test_contains_wants_the_list_field_to_share_a_value() -> None:
    chosen = ItemFilter(contains=(("targets", ("US", "JP")),))
    assert chosen.admits(made_up_item(targets=["JP", "KR"]))
    assert not chosen.admits(made_up_item(targets=["KR"]))
    assert not chosen.admits(made_up_item(targets=[]))
    assert not chosen.admits(made_up_item(targets=None))
    assert not chosen.admits(made_up_item())


def test_announced_bounds_are_half_open() -> None:
    chosen = ItemFilter(announced_from="2025-01-01", announced_before="2025-07-01")
    assert not chosen.admits(made_up_item(announced_on="2024-12-31"))
    assert chosen.admits(made_up_item(announced_on="2025-01-01"))
    assert chosen.admits(made_up_item(announced_on="2025-06-30"))
    assert not chosen.admits(made_up_item(announced_on="2025-07-01"))


def test_without_announced_bounds_items_without_an_announcement_are_admitted() -> None:
    assert ItemFilter().admits(made_up_item())
    assert not ItemFilter(announced_from="2025-01-01").admits(made_up_item())


def test_values_are_those_asked_of_a_field() -> None:
    chosen = ItemFilter(equals=(("jurisdiction", ("CN", "US")), ("status", ("lifted",))))
    assert chosen.values("jurisdiction") == ("CN", "US")
    assert chosen.values("status") == ("lifted",)
    assert chosen.values("measure") == ()


@pytest.mark.parametrize(
    ("statuses", "wanted"),
    [
        ((), False),
        (("pending", "in_force", "suspended"), False),
        (("active", "met", "missed", "deadline_passed"), False),
        (("in_force", "lifted"), True),
        (("expired",), True),
        (("abandoned",), True),
    ],
)
def test_a_filter_wants_ended_entries_when_it_asks_for_an_ended_status(
    statuses: tuple[str, ...], wanted: bool
) -> None:
    chosen = ItemFilter(equals=(("status", statuses),) if statuses else ())
    assert chosen.wants_ended is wanted


def test_asking_for_lifted_as_another_field_wants_no_ended_entries() -> None:
    assert ItemFilter(equals=(("measure", ("lifted",)),)).wants_ended is False


@pytest.mark.parametrize(
    ("min_confidence", "kept", "left_out"),
    [
        ("unverified", ["unverified", "reported", "confirmed"], []),
        ("reported", ["reported", "confirmed"], ["unverified"]),
        ("confirmed", ["confirmed"], ["unverified", "reported"]),
    ],
)
def test_confidences_kept_and_left_out(
    min_confidence: str, kept: list[str], left_out: list[str]
) -> None:
    chosen = ItemFilter(min_confidence=min_confidence)
    assert chosen.confidences() == kept
    assert chosen.left_out_confidences() == left_out


# --- select ----------------------------------------------------------------------------------


def made_up_items() -> list[dict[str, Any]]:
    return [
        made_up_item("made-up-d", confidence="reported"),
        made_up_item("made-up-b", confidence="unverified"),
        made_up_item("made-up-a"),
        made_up_item("made-up-e", jurisdiction="US", confidence="unverified"),
        made_up_item("made-up-c", jurisdiction="US"),
    ]


def test_select_gives_the_admitted_items_in_policy_id_order() -> None:
    chosen = ItemFilter(equals=(("jurisdiction", ("CN",)),))
    assert [i["policy_id"] for i in select(made_up_items(), chosen)] == ["made-up-a", "made-up-d"]
    assert [i["policy_id"] for i in select(made_up_items(), ItemFilter())] == [
        "made-up-a",
        "made-up-c",
        "made-up-d",
    ]
    assert select([], ItemFilter()) == []


@pytest.mark.parametrize(
    ("min_confidence", "kept", "more"),
    [
        ("unverified", ["made-up-a", "made-up-b", "made-up-d"], 0),
        ("reported", ["made-up-a", "made-up-d"], 1),  # made-up-b, unverified
        ("confirmed", ["made-up-a"], 2),  # made-up-b and the reported made-up-d
    ],
)
def test_select_counted_counts_what_only_min_confidence_left_out(
    min_confidence: str, kept: list[str], more: int
) -> None:
    # made-up-e is unverified too, but left out for its jurisdiction: it is not counted.
    chosen = ItemFilter(min_confidence=min_confidence, equals=(("jurisdiction", ("CN",)),))
    found, left_out = select_counted(made_up_items(), chosen)
    assert [i["policy_id"] for i in found] == kept
    assert left_out == more


# --- LogFilter -------------------------------------------------------------------------------


def made_up_event(type_: str, jurisdiction: str, materials: list[str]) -> dict[str, Any]:
    return {
        "event_id": f"made-up-{type_}-{jurisdiction}",
        "type": type_,
        "jurisdiction": jurisdiction,
        "title": "Made-up event",
        "materials": materials,
    }


def test_an_empty_log_filter_admits_every_event() -> None:
    assert LogFilter().admits(made_up_event("PolicyAnnounced", "EU", ["graphite"]))


def test_a_log_filter_admits_events_of_its_types_jurisdictions_and_materials() -> None:
    chosen = LogFilter(
        types=("ExportControlImposed", "ExportControlLifted"),
        jurisdictions=("CN",),
        keys=material_keys(["Dy"]),
    )
    assert chosen.admits(made_up_event("ExportControlImposed", "CN", ["HREE"]))
    assert chosen.admits(made_up_event("ExportControlLifted", "CN", ["Dy", "Ga"]))
    assert not chosen.admits(made_up_event("TariffImposed", "CN", ["Dy"]))
    assert not chosen.admits(made_up_event("ExportControlImposed", "US", ["Dy"]))
    assert not chosen.admits(made_up_event("ExportControlImposed", "CN", ["Nd"]))


# --- view_filter -----------------------------------------------------------------------------


def control(status: str, targets: list[str], **fields: Any) -> dict[str, Any]:
    return made_up_item(
        f"made-up-{status}-{'-'.join(targets).lower() or 'none'}",
        **{"status": status, "targets": targets, "measure": "ban", **fields},
    )


def test_a_control_filter_by_target_shows_live_controls_aimed_at_it() -> None:
    chosen = view_filter(export_controls.SPEC, {"status": None, "target": ["US"]})
    assert chosen.admits(control("in_force", ["US"]))
    assert chosen.admits(control("pending", ["US", "JP"]))
    assert chosen.admits(control("suspended", ["US"]))
    assert not chosen.admits(control("lifted", ["US"]))
    assert not chosen.admits(control("expired", ["US"]))
    assert not chosen.admits(control("in_force", ["JP"]))
    assert not chosen.admits(control("in_force", []))
    assert chosen.values("status") == ("pending", "in_force", "suspended")
    assert chosen.wants_ended is False


def test_a_control_filter_asking_for_lifted_wants_ended_entries() -> None:
    chosen = view_filter(export_controls.SPEC, {"status": ["lifted"]})
    assert chosen.admits(control("lifted", ["US"]))
    assert not chosen.admits(control("in_force", ["US"]))
    assert chosen.wants_ended is True


def test_a_control_filter_by_jurisdiction_measure_and_material() -> None:
    chosen = view_filter(
        export_controls.SPEC,
        {"jurisdiction": ["CN"], "measure": ["ban"], "material": ["dysprosium"]},
    )
    assert chosen.keys == material_keys(["Dy"])
    assert chosen.admits(control("in_force", ["US"], materials=["HREE"]))
    assert not chosen.admits(control("in_force", ["US"], materials=["Ga"]))
    assert not chosen.admits(control("in_force", ["US"], jurisdiction="IN"))
    assert not chosen.admits(control("in_force", ["US"], measure="licence_required"))


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        (export_controls.SPEC, ("pending", "in_force", "suspended")),
        (tariffs.SPEC, ("pending", "in_force")),
        (goals.SPEC, ("active", "met", "missed", "deadline_passed")),
        (funding.SPEC, ()),
        (timeline.SPEC, ()),
    ],
)
def test_a_status_filter_given_no_values_asks_for_the_statuses_shown(
    spec: ViewSpec, shown: tuple[str, ...]
) -> None:
    assert view_filter(spec, {}).values("status") == shown
    assert view_filter(spec, {"status": None}).values("status") == shown
    assert view_filter(spec, {"status": []}).values("status") == shown


def test_every_registered_view_builds_its_default_filter() -> None:
    for name, spec in VIEWS.items():
        chosen = view_filter(spec, {})
        assert chosen.values("status") == spec.statuses_shown, name
        assert chosen.wants_ended is False, name
        assert chosen.keys == frozenset(), name


def test_a_goal_read_leaves_out_abandoned_goals_by_default() -> None:
    chosen = view_filter(goals.SPEC, {})
    assert chosen.admits(made_up_item(status="met"))
    assert chosen.admits(made_up_item(status="deadline_passed"))
    assert not chosen.admits(made_up_item(status="abandoned"))
    assert view_filter(goals.SPEC, {"status": ["abandoned"]}).admits(
        made_up_item(status="abandoned")
    )


@pytest.mark.parametrize(
    ("spec", "status"),
    [(export_controls.SPEC, "active"), (goals.SPEC, "lifted"), (tariffs.SPEC, "suspended")],
)
def test_a_status_the_view_does_not_know_is_invalid(spec: ViewSpec, status: str) -> None:
    with pytest.raises(Invalid) as raised:
        view_filter(spec, {"status": [status]})
    assert raised.value.details[0]["field"] == "status"


def test_a_tariff_filter_by_target() -> None:
    chosen = view_filter(tariffs.SPEC, {"target": ["CN"]})
    assert chosen.admits(made_up_item(status="in_force", targets=["CN"]))
    assert not chosen.admits(made_up_item(status="in_force", targets=["MX"]))
    assert not chosen.admits(made_up_item(status="expired", targets=["CN"]))


def test_a_funding_filter_by_agency_recipient_and_mechanism() -> None:
    chosen = view_filter(
        funding.SPEC,
        {"agency": ["DoD"], "recipient": ["MP Materials"], "mechanism": ["loan", "equity"]},
    )
    commitment = made_up_item(agency="DoD", recipient="MP Materials", mechanism="loan")
    assert chosen.admits(commitment)
    assert chosen.admits({**commitment, "mechanism": "equity"})
    assert not chosen.admits({**commitment, "mechanism": "grant"})
    assert not chosen.admits({**commitment, "agency": "DOE"})
    assert not chosen.admits({**commitment, "recipient": "Made-up Magnets Inc."})


def test_a_funding_filter_given_nothing_admits_every_commitment() -> None:
    chosen = view_filter(funding.SPEC, {})
    assert chosen.admits(made_up_item(agency="DoD", mechanism="grant"))
    assert chosen.admits(made_up_item(jurisdiction="IN", agency="Made-up Ministry"))


def test_a_timeline_filter_takes_announced_bounds_and_event_types() -> None:
    chosen = view_filter(
        timeline.SPEC,
        {"from_": date(2025, 1, 1), "to": date(2025, 7, 1), "type": ["TariffImposed"]},
    )
    assert (chosen.announced_from, chosen.announced_before) == ("2025-01-01", "2025-07-01")
    assert chosen.values("type") == ("TariffImposed",)
    tariff = made_up_item(type="TariffImposed", announced_on="2025-03-01")
    assert chosen.admits(tariff)
    assert chosen.admits({**tariff, "announced_on": "2025-01-01"})
    assert not chosen.admits({**tariff, "announced_on": "2025-07-01"})
    assert not chosen.admits({**tariff, "announced_on": "2024-12-31"})
    assert not chosen.admits({**tariff, "type": "TariffLifted"})


def test_a_timeline_filter_without_bounds_admits_any_day() -> None:
    chosen = view_filter(timeline.SPEC, {"from_": None, "to": None, "jurisdiction": ["US"]})
    assert (chosen.announced_from, chosen.announced_before) == ("", "~")
    assert chosen.admits(made_up_item(jurisdiction="US", announced_on="1999-01-01"))
    assert not chosen.admits(made_up_item(jurisdiction="CN", announced_on="1999-01-01"))


def test_an_unknown_event_type_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        view_filter(timeline.SPEC, {"type": ["TariffImposed", "Made-upHappened"]})
    assert raised.value.details[0]["field"] == "type"


@pytest.mark.parametrize("spec", [export_controls.SPEC, funding.SPEC, timeline.SPEC])
def test_an_unknown_material_is_invalid(spec: ViewSpec) -> None:
    with pytest.raises(Invalid) as raised:
        view_filter(spec, {"material": ["x" * 101]})
    assert raised.value.details[0]["field"] == "material"


@pytest.mark.parametrize("min_confidence", ["unverified", "reported", "confirmed"])
def test_a_view_filter_keeps_the_min_confidence_asked_for(min_confidence: str) -> None:
    chosen = view_filter(tariffs.SPEC, {}, min_confidence)
    assert chosen.min_confidence == min_confidence
    assert view_filter(tariffs.SPEC, {}).min_confidence == "reported"
