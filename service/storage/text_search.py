"""The timeline's full-text search, as both view stores do it: which text of an entry is
searched, and how the words of a search (``q``) match it.

The text of an entry is its title and summary and, when the event has them, its
``original_title`` and ``original_summary`` (the text in the language it was published in).

Every word of a search must appear, and a word matches in one of two ways:

* A word without Chinese, Japanese or Korean characters matches whole words, case-insensitively
  (SQLite FTS5's ``unicode61`` tokens; PostgreSQL's ``simple`` text search), as it always did.
* A word holding any CJK character (Han, Hiragana, Katakana, Hangul, CJK punctuation and
  symbols, full-width forms) matches as a substring. Chinese and Japanese put no spaces between
  words, so a tokenizer that splits at spaces and punctuation sees ``稀土管理条例`` as one word
  and ``稀土`` would never match it; splitting into real words needs a dictionary per language
  (and a PostgreSQL extension that is rarely installed). A substring finds every word of a
  title, at the price of also finding a character sequence that straddles two words, which
  for a search over titles is the lesser harm. Both sides are compared after NFKC
  normalisation and case folding, so that half-width katakana (ｶﾅ) finds full-width (カナ) and
  full-width letters find ASCII ones.

Only the parts of the text that can hold such a match are indexed for substrings: the
whitespace-separated runs holding a CJK character (a search word has no whitespace and holds a
CJK character, so any match of it lies inside one such run). Entries with no CJK text add
nothing to that index.

SQLite (3.40 here): an FTS5 table with the ``trigram`` tokenizer holds those runs; a word of 3
characters or more is an FTS5 phrase (a substring match, answered by the index), a shorter one
(``稀土``: no trigram to look up) is ``instr`` over the rows of that table, a scan of the entries
with CJK text only. PostgreSQL: the runs in a column with a partial GIN ``gin_trgm_ops``
index (``pg_trgm``); a word is an escaped ``LIKE '%word%'``, which that index answers. When the
extension cannot be created (no privilege), the same ``LIKE`` runs without the index, and the
store logs that once: searches answer the same, only slower. User text never reaches a query
syntax: FTS5 phrases are quoted, ``LIKE`` patterns escaped, and every value is a parameter.
A store whose views were built before this index existed (same layout version, no trigram table
or column) has its views rebuilt on open, as an older layout does.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg.rows import DictRow

log = logging.getLogger("policy_timeline")

# The fields of an entry that are searched; an entry without "summary" is not the timeline's.
TEXT_FIELDS = ("title", "summary", "original_title", "original_summary")

_CJK = re.compile(
    "[\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fff"  # CJK and Kangxi radicals, ideographic description
    "\u3000-\u303f"  # CJK symbols and punctuation (、。「」)
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u33ff"  # Bopomofo, Hangul compatibility Jamo, Kanbun, strokes, enclosed, compat.
    "\u3400-\u4dbf"  # CJK unified ideographs extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # Hangul Jamo extended A, syllables, Jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\ufe30-\ufe4f"  # CJK compatibility forms
    "\uff00-\uffef"  # half-width and full-width forms
    "\U00020000-\U0003ffff]"  # CJK unified ideographs extensions B and later
)
SHORTEST_TRIGRAM = 3  # characters: a shorter substring has no trigram to look up

# SQLite: the text matched by words, and the CJK runs matched by substrings; rowid = view_rows.id
SQLITE_TABLES = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS view_text USING fts5(text)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS view_text_cjk "
    "USING fts5(text, tokenize = 'trigram case_sensitive 1')",
)
SQLITE_TABLE_NAMES = ("view_text", "view_text_cjk")


def fold(text: str) -> str:
    """Text as substrings are compared: NFKC-normalised and case-folded, the same in Python for
    both stores (SQLite's and PostgreSQL's own case rules differ outside ASCII)."""
    return unicodedata.normalize("NFKC", text).casefold()


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def words_text(body: dict[str, Any]) -> str | None:
    """The text searched word by word, or None for an entry the search does not cover."""
    if "summary" not in body:
        return None
    return " ".join(str(body[name]) for name in TEXT_FIELDS if body.get(name))


def substring_text(body: dict[str, Any]) -> str | None:
    """The runs of an entry's text that hold CJK characters, folded, one per line; None when
    there are none (the entry is then left out of the substring index)."""
    text = words_text(body)
    if not text:
        return None
    runs = [run for run in fold(text).split() if has_cjk(run)]
    return "\n".join(dict.fromkeys(runs)) or None


@dataclass(frozen=True)
class Terms:
    """A search's words, split by how they match."""

    words: tuple[str, ...]  # whole words
    substrings: tuple[str, ...]  # folded, each holding a CJK character

    @property
    def indexed(self) -> tuple[str, ...]:
        return tuple(s for s in self.substrings if len(s) >= SHORTEST_TRIGRAM)

    @property
    def short(self) -> tuple[str, ...]:
        return tuple(s for s in self.substrings if len(s) < SHORTEST_TRIGRAM)


def terms(words: Sequence[str]) -> Terms:
    plain: list[str] = []
    substrings: list[str] = []
    for word in words:
        # NFKC may turn a character into several with a space among them; a run never holds
        # one, so the pieces are joined back.
        folded = "".join(fold(word).split())
        if has_cjk(folded):
            substrings.append(folded)
        else:
            plain.append(word)
    return Terms(tuple(plain), tuple(dict.fromkeys(substrings)))


def _phrase(text: str) -> str:
    """An FTS5 string: whatever it holds is matched as text, never read as query syntax."""
    return '"' + text.replace('"', '""') + '"'


def sqlite_clauses(words: Sequence[str]) -> tuple[list[str], list[Any]]:
    """Conditions on ``view_rows.id`` (``?`` placeholders) that every word of a search adds."""
    found = terms(words)
    clauses: list[str] = []
    params: list[Any] = []
    if found.words:
        clauses.append("id IN (SELECT rowid FROM view_text WHERE view_text MATCH ?)")
        params.append(" ".join(_phrase(w) for w in found.words))
    if found.substrings:
        # One pass over the CJK table: the trigram index narrows it when a word is long enough,
        # instr checks the short words on what is left.
        conditions = ["view_text_cjk MATCH ?"] if found.indexed else []
        params.extend([" ".join(_phrase(s) for s in found.indexed)] if found.indexed else [])
        conditions += ["instr(text, ?) > 0"] * len(found.short)
        params.extend(found.short)
        clauses.append(f"id IN (SELECT rowid FROM view_text_cjk WHERE {' AND '.join(conditions)})")
    return clauses, params


def sqlite_rows(
    rows: Sequence[tuple[int, dict[str, Any]]],
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What the two SQLite search tables get for some new rows (id, body)."""
    words, substrings = [], []
    for row_id, body in rows:
        text = words_text(body)
        if text is None:
            continue
        words.append((row_id, text))
        runs = substring_text(body)
        if runs is not None:
            substrings.append((row_id, runs))
    return words, substrings


# --- PostgreSQL ------------------------------------------------------------------------------

POSTGRES_INDEX = "view_rows_search_cjk"
_warned: list[str] = []  # once per process: every store opened would else say it again


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its wildcards and the escape character escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def postgres_clauses(words: Sequence[str]) -> tuple[list[str], list[Any]]:
    """Conditions (``%s`` placeholders) on ``view_rows`` that every word of a search adds."""
    found = terms(words)
    clauses: list[str] = []
    params: list[Any] = []
    if found.words:
        clauses.append("search @@ plainto_tsquery('simple', %s)")
        params.append(" ".join(found.words))
    for substring in found.substrings:
        # Backslash is LIKE's default escape character (standard_conforming_strings is on).
        clauses.append("search_cjk LIKE %s")
        params.append(_like(substring))
    return clauses, params


def add_postgres_column(curs: Cursor[DictRow]) -> bool:
    """Add the CJK runs' column to a ``view_rows`` laid out before it; whether it was missing
    (the rows then lack their runs: the caller drops them, to be rebuilt)."""
    # Looked up before altering: ALTER TABLE locks out every reader of the views while it waits
    # for the table, even when it would change nothing.
    curs.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = 'view_rows'::regclass "
        "AND attname = 'search_cjk' AND NOT attisdropped"
    )
    if curs.fetchone() is not None:
        return False
    curs.execute("ALTER TABLE view_rows ADD COLUMN IF NOT EXISTS search_cjk TEXT")
    return True


def prepare_postgres(curs: Cursor[DictRow]) -> bool:
    """The trigram index of the CJK runs, with ``pg_trgm`` created when allowed; whether the
    index is there. Without the extension, searches scan instead (the same answers) and this
    is logged once per process. ``curs`` is in the schema-creation transaction; a failure to
    create the extension is kept to a savepoint."""
    import psycopg
    from psycopg import sql

    schema = _trgm_schema(curs)
    if schema is None:
        try:
            with curs.connection.transaction():
                curs.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.Error as error:
            if not _warned:
                _warned.append(str(error))
                log.warning(
                    "PostgreSQL extension pg_trgm not available (%s): searches in Chinese and "
                    "Japanese scan the timeline's text without an index; an administrator can "
                    "run CREATE EXTENSION pg_trgm in this database",
                    (str(error).strip().splitlines() or [""])[0],
                )
            return False
        schema = _trgm_schema(curs)
    # The operator class is in the schema the extension was installed in, which need not be
    # on this connection's search path.
    curs.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON view_rows USING gin (search_cjk {}.gin_trgm_ops) "
            "WHERE search_cjk IS NOT NULL"
        ).format(sql.Identifier(POSTGRES_INDEX), sql.Identifier(str(schema)))
    )
    return True


def _trgm_schema(curs: Cursor[DictRow]) -> str | None:
    curs.execute(
        "SELECT n.nspname AS schema FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )
    found = curs.fetchone()
    return None if found is None else str(found["schema"])
