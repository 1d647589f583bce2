"""Citable answers: the address of an answer pinned to what it answered for.

A permalink is the relative URL of a read with its record time pinned as ``known_at=position=N``
(the log position the answer reflects) and its valid date as ``at`` (or ``on``), keeping every
other parameter as asked (filters, paging). Reads at a log position never change: the log is
append-only and views keep every version of a row with the positions it held between, so the
permalink answers with the same items, byte for byte, after any number of new events,
corrections and retractions."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

# Parameters that name a record time or a wait, replaced by the pinned position.
_UNPINNED = frozenset({"known_at", "min_position"})


def permalink(
    path: str,
    asked: Iterable[tuple[str, str]],
    position: int,
    dated: tuple[str, str | None] | None = ("at", None),
) -> str:
    """``path`` with ``asked`` (query parameters as given, repeated ones in their order),
    ``known_at`` pinned to ``position`` and, when ``dated`` names the valid-date parameter and
    the date answered for, that date pinned too. Parameters come sorted by name, so that one
    answer has one address."""
    pinned_date = dated[0] if dated and dated[1] else None
    kept = [(k, v) for k, v in asked if k not in _UNPINNED and k != pinned_date]
    if pinned_date and dated:
        kept.append((pinned_date, str(dated[1])))
    kept.append(("known_at", f"position={position}"))
    kept.sort(key=lambda pair: pair[0])  # stable: repeated values keep their order
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='=:,')}" for k, v in kept)
    return f"{path}?{query}"
