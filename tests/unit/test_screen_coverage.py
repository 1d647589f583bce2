"""``service.queries.coverage``: which query terms a control's scope covers, fully or in part,
and which destinations it applies to. Controls here are made-up view entries."""

from __future__ import annotations

from typing import Any

import pytest

from service.queries.coverage import Match, Product, applies_to, match, material_coverage


def made_up_entry(**fields: Any) -> dict[str, Any]:
    """A made-up export-control entry with the fields screening looks at."""
    return {"policy_id": "xx-made-up", "materials": [], "hs_codes": [], "targets": [], **fields}


@pytest.mark.parametrize(
    ("listed", "asked", "expected"),
    [
        ("Dy", "Dy", "full"),
        ("HREE", "Dy", "full"),  # a group holds its members
        ("REE", "Dy", "full"),
        ("REE", "HREE", "full"),  # and the groups within it
        ("LREE", "NdPr", "full"),
        ("Dy", "HREE", "partial"),  # one member of the group asked for
        ("HREE", "REE", "partial"),
        ("NdPr", "LREE", "partial"),
        ("LREE", "Dy", None),
        ("Ga", "Dy", None),
        ("graphite", "graphite", "full"),
        ("Graphite", "graphite", "full"),  # named materials match ignoring case
        ("artificial graphite anode", "graphite", "partial"),
        ("Tb/Dy-containing NdFeB magnets", "NdFeB magnets", "partial"),
        ("Tb/Dy-containing NdFeB magnets", "Dy", None),  # a symbol is never a word of a name
        ("magnets", "NdFeB magnets", None),  # as the views' material filter: no match
    ],
)
def test_material_coverage(listed: str, asked: str, expected: str | None) -> None:
    assert material_coverage(listed, asked) == expected


def test_a_control_lists_every_term_it_matched_and_is_full_when_one_is() -> None:
    entry = made_up_entry(materials=["Dy", "graphite"], hs_codes=["2846.90.19.40", "3801"])
    product = Product(hs_codes=("284690", "38011000", "8112"), materials=("HREE", "Ga"))
    assert match(entry, product) == Match(("hs_code:2846.90", "hs_code:3801.10.00",
                                           "material:HREE"), "full")  # fmt: skip
    partial = Product(hs_codes=("284690",), materials=("HREE",))
    assert match(entry, partial) == Match(("hs_code:2846.90", "material:HREE"), "partial")
    assert match(entry, Product(hs_codes=("8112",), materials=("Ga",))) is None


@pytest.mark.parametrize(
    ("targets", "excluded", "destination", "applies"),
    [
        ([], [], "US", True),  # no targets: every destination
        ([], [], None, True),
        (["US"], [], "US", True),
        (["US"], [], "JP", False),
        (["US"], [], None, True),  # no destination asked: any counts
        ([], ["JP"], "JP", False),  # all but the excluded
        ([], ["JP"], "US", True),
        (["US", "JP"], ["US"], "US", False),
        (["JP", "Made-up Trading Co (IN)"], [], "IN", False),  # names are compared exactly
        (["JP", "Made-up Trading Co (IN)"], [], "JP", True),
    ],
)
def test_which_destinations_a_control_applies_to(
    targets: list[str], excluded: list[str], destination: str | None, applies: bool
) -> None:
    entry = made_up_entry(targets=targets, excluded_targets=excluded)
    assert applies_to(entry, destination) is applies
