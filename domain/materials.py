"""Materials: the rare earths by symbol, their groups, and named materials kept as written.

An event lists what it bears on. Element symbols and names are normalised to the symbol
(``dysprosium``, ``dy`` and ``Dy`` are one material), groups keep their canonical spelling
(``REE``, ``LREE``, ``HREE``, ``NdPr``), and anything else is a *named* material kept as the
source wrote it (``graphite``, ``NdFeB magnets``).

Matching: a query for an element also matches events that list a group containing it (``Dy``
matches ``HREE`` and ``REE``); a query for a group matches events listing the group, any group
that contains it, or any of its members. Named materials match by word, ignoring case: a query
of one to three words matches every named material containing those words in that order
(``magnets`` matches ``NdFeB magnets`` and ``SmCo magnets``; ``NdFeB magnets`` matches
``Tb/Dy-containing NdFeB magnets``), a longer query the material written exactly so. Words are
runs of letters and digits, whole words only (``magnet`` does not match ``magnets``). Element
symbols and groups are never matched as words of a named material: ``Dy`` keeps its element
meaning and does not match ``Tb/Dy-containing NdFeB magnets``.

Each listed material is indexed under keys (:func:`index_keys`) and a query names the keys it
matches (:func:`matching_keys`), so stores can match with one set intersection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

RARE_EARTHS: tuple[str, ...] = (
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu",
    "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)  # fmt: skip

GROUPS: dict[str, frozenset[str]] = {
    "REE": frozenset(RARE_EARTHS),
    "LREE": frozenset({"La", "Ce", "Pr", "Nd", "Pm", "Sm"}),
    "HREE": frozenset({"Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"}),
    "NdPr": frozenset({"Nd", "Pr"}),
}

# Every element the catalogue's sources mention, plus the rest of the common critical minerals;
# a symbol not listed here is kept as a named material rather than guessed at.
ELEMENT_NAMES: dict[str, str] = {
    "scandium": "Sc", "yttrium": "Y", "lanthanum": "La", "cerium": "Ce",
    "praseodymium": "Pr", "neodymium": "Nd", "promethium": "Pm", "samarium": "Sm",
    "europium": "Eu", "gadolinium": "Gd", "terbium": "Tb", "dysprosium": "Dy",
    "holmium": "Ho", "erbium": "Er", "thulium": "Tm", "ytterbium": "Yb", "lutetium": "Lu",
    "gallium": "Ga", "germanium": "Ge", "antimony": "Sb", "tungsten": "W",
    "tellurium": "Te", "bismuth": "Bi", "molybdenum": "Mo", "indium": "In",
    "lithium": "Li", "cobalt": "Co", "nickel": "Ni", "manganese": "Mn", "copper": "Cu",
    "uranium": "U", "magnesium": "Mg", "boron": "B", "tantalum": "Ta", "niobium": "Nb",
    "titanium": "Ti", "vanadium": "V", "chromium": "Cr", "zinc": "Zn", "tin": "Sn",
    "aluminium": "Al", "aluminum": "Al", "platinum": "Pt", "palladium": "Pd",
    "silicon": "Si", "beryllium": "Be", "hafnium": "Hf", "zirconium": "Zr",
    "rhodium": "Rh", "iridium": "Ir", "ruthenium": "Ru", "cesium": "Cs", "caesium": "Cs",
    "rubidium": "Rb", "arsenic": "As", "fluorine": "F", "potassium": "K",
}  # fmt: skip

_SYMBOLS = {symbol.lower(): symbol for symbol in ELEMENT_NAMES.values()}
_GROUPS_BY_LOWER = {name.lower(): name for name in GROUPS}
_GROUP_ALIASES = {"rare earths": "REE", "rare earth elements": "REE", "ree": "REE"}

MAX_MATERIAL_LENGTH = 100
# Phrases of up to this many words are indexed: every run of 1-3 consecutive words of a named
# material is one key, which bounds the keys of one material (at most 3 per word) while
# covering the queries people type ("magnets", "NdFeB magnets", "rare earth oxides").
MAX_PHRASE_WORDS = 3
_WORD = re.compile(r"[^\W_]+")


def normalise(material: str) -> str:
    """The canonical spelling of one material, or ``ValueError`` when it is not one."""
    text = " ".join(material.split())
    if not text:
        raise ValueError("a material cannot be empty")
    if len(text) > MAX_MATERIAL_LENGTH:
        raise ValueError(f"a material is at most {MAX_MATERIAL_LENGTH} characters")
    lower = text.lower()
    if lower in _GROUPS_BY_LOWER:
        return _GROUPS_BY_LOWER[lower]
    if lower in _GROUP_ALIASES:
        return _GROUP_ALIASES[lower]
    if lower in ELEMENT_NAMES:
        return ELEMENT_NAMES[lower]
    # Symbols are matched case-insensitively only when the text is a bare symbol: "In" must
    # stay indium, but "in" is indium too; a longer text is a named material.
    if lower in _SYMBOLS and len(text) <= 2:
        return _SYMBOLS[lower]
    return text


def is_named(material: str) -> bool:
    """True for a material kept as written (not an element symbol or a group)."""
    return material not in GROUPS and material not in _SYMBOLS.values()


def index_key(material: str) -> str:
    """The key of a listed (canonical) material as a whole: a named material's lower-cased
    text, or the symbol or group itself. Named materials have word keys too (:func:`index_keys`)."""
    return material.lower() if is_named(material) else material


def words(material: str) -> list[str]:
    """The lower-cased words of a named material."""
    return _WORD.findall(material.lower())


@lru_cache(maxsize=65536)
def index_keys(material: str) -> frozenset[str]:
    """Every key a listed (canonical) material is indexed under: its whole-text key and, for a
    named material, each run of up to :data:`MAX_PHRASE_WORDS` consecutive words (joined by a
    space). Symbol and group keys keep their capitals, so no word key (always lower case)
    can be mistaken for an element or a group."""
    whole = index_key(material)
    if not is_named(material):
        return frozenset({whole})
    found = words(material)
    runs = {
        " ".join(found[start : start + size])
        for size in range(1, MAX_PHRASE_WORDS + 1)
        for start in range(len(found) - size + 1)
    }
    return frozenset({whole} | runs)


def keys_of(listed: Iterable[str]) -> tuple[str, ...]:
    """The index keys of an event's (or an entry's) listed materials, sorted."""
    return tuple(sorted(set().union(*(index_keys(m) for m in listed))))


def matching_keys(query: str) -> frozenset[str]:
    """The index keys an event must list one of to bear on ``query``."""
    canonical = normalise(query)
    if is_named(canonical):
        phrase = words(canonical)
        if 1 <= len(phrase) <= MAX_PHRASE_WORDS:
            return frozenset({canonical.lower(), " ".join(phrase)})
        return frozenset({canonical.lower()})
    if canonical in GROUPS:
        members = GROUPS[canonical]
        # A group bears on its members and on every group sharing one of them.
        return frozenset(members | {g for g, m in GROUPS.items() if m & members})
    return frozenset({canonical} | {g for g, m in GROUPS.items() if canonical in m})
