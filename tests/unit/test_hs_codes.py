"""``domain.hs_codes``: reading HS codes as people write them, and which products a listed code
covers (by prefix: fully when the listed code is the product's or a shorter one it starts with,
partly when it is longer). Codes here are generated or made up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.hs_codes import MAX_DIGITS, MIN_DIGITS, coverage, covered_by, digits, dotted

code_digits = st.text(alphabet="0123456789", min_size=MIN_DIGITS, max_size=MAX_DIGITS)


@st.composite
def written(draw: st.DrawFn, found: str | None = None) -> tuple[str, str]:
    """Digits and the same code with dots put between some of them."""
    code = draw(code_digits) if found is None else found
    cuts = draw(st.sets(st.integers(1, len(code) - 1))) if len(code) > 1 else set()
    parts, start = [], 0
    for cut in sorted(cuts):
        parts.append(code[start:cut])
        start = cut
    parts.append(code[start:])
    return code, ".".join(parts)


@given(written())
def test_dots_are_irrelevant(pair: tuple[str, str]) -> None:
    code, as_written = pair
    assert digits(as_written) == code
    assert dotted(as_written) == dotted(code)


@given(written())
def test_reading_is_idempotent(pair: tuple[str, str]) -> None:
    _, as_written = pair
    once = digits(as_written)
    assert digits(once) == once
    assert digits(dotted(once)) == once  # the dotted form reads back as the same code


@given(code_digits)
def test_the_dotted_form_is_the_heading_then_pairs(code: str) -> None:
    groups = dotted(code).split(".")
    assert groups[0] == code[:4]
    assert all(len(group) == 2 for group in groups[1:-1])
    assert "".join(groups) == code


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("28", "28"),
        ("2846", "2846"),
        ("284690", "2846.90"),
        ("2846.90", "2846.90"),
        ("28469010", "2846.90.10"),
        ("2846901000", "2846.90.10.00"),
        ("28.46.9010", "2846.90.10"),
    ],
)
def test_dotted_examples(code: str, shown: str) -> None:
    assert dotted(code) == shown


@pytest.mark.parametrize(
    "text", ["", "2", ".", "2846.", ".2846", "2846..90", "28469010001", "2846-90", "2846 90",
             "٢٨٤٦", "abcd", "+2846"],
)  # fmt: skip
def test_what_is_not_an_hs_code(text: str) -> None:
    with pytest.raises(ValueError, match="not an HS code"):
        digits(text)


def test_surrounding_spaces_are_forgiven() -> None:
    assert digits(" 2846.90 ") == "284690"


@given(written(), st.data())
def test_a_prefix_of_the_product_covers_it_fully(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    code, as_written = pair
    length = data.draw(st.integers(MIN_DIGITS, len(code)))
    _, listed = data.draw(written(code[:length]))
    assert coverage(listed, as_written) == "full"
    assert coverage(listed, code) == "full"


@given(written(), st.data())
def test_a_longer_code_starting_with_the_product_covers_it_partly(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    code, as_written = pair
    extra = data.draw(st.text(alphabet="0123456789", min_size=1, max_size=4))
    _, listed = data.draw(written(code + extra))
    assert coverage(listed, as_written) == "partial"


@given(code_digits, code_digits)
def test_unrelated_codes_never_match(listed: str, product: str) -> None:
    related = listed.startswith(product) or product.startswith(listed)
    assert (coverage(listed, product) is None) == (not related)
    assert covered_by([listed], product) == coverage(listed, product)


@given(st.lists(code_digits, max_size=6), code_digits)
def test_a_list_covers_as_its_best_code(listed: list[str], product: str) -> None:
    found = {coverage(code, product) for code in listed}
    expected = "full" if "full" in found else "partial" if "partial" in found else None
    assert covered_by(listed, product) == expected


@given(code_digits)
def test_full_and_partial_are_mirror_images(code: str) -> None:
    heading = code[:MIN_DIGITS]
    assert coverage(heading, code) == "full"
    assert coverage(code, heading) == ("full" if code == heading else "partial")


def test_examples_from_the_contract() -> None:
    assert coverage("2846", "284690") == "full"  # a heading covers its subheading whole
    assert coverage("2846.90.10", "284690") == "partial"  # one line of it
    assert coverage("2846.90.10", "2846.90.10") == "full"
    assert coverage("2846.10", "2846.90") is None
    assert coverage("8112929090", "2846") is None
    assert covered_by([], "2846") is None
