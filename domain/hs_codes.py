"""HS codes: the customs product numbers an export control lists, and which products they cover.

A code is its digits; dots only group them (``2846.90.10`` and ``28469010`` are one code). The
Harmonized System nests by prefix: heading ``2846`` holds subheading ``2846.90``, which holds
the national lines ``2846.90.10`` and so on. So a control listing a code covers every product
whose code starts with it, and a product is covered:

* **fully** when the control lists its code or a shorter code it starts with (heading ``2846``
  covers ``2846.90`` whole);
* **partly** when the control lists only longer codes starting with the product's (a control
  listing ``2846.90.10`` covers part of ``2846.90``: one line of it, not the others);
* not at all when neither code starts with the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

MIN_DIGITS = 2  # a chapter
MAX_DIGITS = 10  # the longest national tariff lines (China's, the US's)

Coverage = Literal["full", "partial"]

_WRITTEN = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def digits(code: str) -> str:
    """The digits of a code as a person writes it (``2846.90`` -> ``284690``), or
    ``ValueError`` when it is not 2 to 10 digits, optionally grouped by dots."""
    text = code.strip()
    if not _WRITTEN.fullmatch(text):
        raise ValueError(f"{code!r} is not an HS code: digits, optionally grouped by dots")
    found = text.replace(".", "")
    if not MIN_DIGITS <= len(found) <= MAX_DIGITS:
        raise ValueError(
            f"{code!r} is not an HS code: {MIN_DIGITS} to {MAX_DIGITS} digits, not {len(found)}"
        )
    return found


def dotted(code: str) -> str:
    """A code in the HS's own grouping: the heading's four digits, then pairs (``2846``,
    ``2846.90``, ``2846.90.10``). Dots in ``code`` are ignored; a chapter stays ``28``."""
    found = code.replace(".", "")
    groups = [found[:4]] + [found[i : i + 2] for i in range(4, len(found), 2)]
    return ".".join(group for group in groups if group)


def coverage(listed: str, product: str) -> Coverage | None:
    """How a control listing ``listed`` covers ``product`` (both as written, dots or not):
    ``full`` when ``listed`` is ``product`` or a prefix of it, ``partial`` when ``product`` is a
    prefix of a longer ``listed``, None when they are unrelated."""
    listed_digits, product_digits = listed.replace(".", ""), product.replace(".", "")
    if not listed_digits or not product_digits:
        return None  # no digits name no product
    if product_digits.startswith(listed_digits):
        return "full"
    if listed_digits.startswith(product_digits):
        return "partial"
    return None


def covered_by(listed: Iterable[str], product: str) -> Coverage | None:
    """How a list of codes covers ``product``: fully when any one code does, else partly when
    any one does, else None."""
    found = {coverage(code, product) for code in listed}
    if "full" in found:
        return "full"
    return "partial" if "partial" in found else None
