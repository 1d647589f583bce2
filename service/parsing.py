"""Events and other bodies from JSON text (an HTTP body, a line of a file to load): validated
strictly, each problem naming its field.

Bodies are validated from the JSON text itself (not from a parsed dict) so that pydantic's
strict JSON mode applies: a date is a ``YYYY-MM-DD`` string, a number is not a string.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError

from domain.events import EVENT_TYPES
from service.queries.problems import BadRequest, Invalid

T = TypeVar("T")


class _Errors(Protocol):
    def errors(self) -> Any: ...


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> None:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)


# One decoder for every body (``json.loads`` with a hook builds a new one per call).
_UNIQUE_KEYS = json.JSONDecoder(object_pairs_hook=_unique_keys)


def refuse_duplicate_keys(body: bytes) -> None:
    """Refuse (400) an object naming a key twice. JSON parsers keep the last one silently, so
    ``{"policy_id": "a", …, "policy_id": "b"}`` would store ``b`` while its author may have
    meant ``a``. (Malformed JSON is left for the validator to describe.)"""
    try:
        # What json.loads(body, object_pairs_hook=_unique_keys) does with bytes.
        _UNIQUE_KEYS.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except _DuplicateKey as duplicate:
        raise BadRequest(
            "duplicate_key",
            f"the body names the key {duplicate.key!r} twice in one object; send each once",
        ) from None
    except (ValueError, RecursionError):
        pass


def parse(adapter: TypeAdapter[T], body: bytes, what: str = "event") -> T:
    refuse_duplicate_keys(body)
    try:
        return adapter.validate_json(body)
    except ValidationError as error:
        issues = error.errors()
        if issues and issues[0]["type"] == "json_invalid":
            raise BadRequest(
                "malformed_json", f"the body is not valid JSON: {issues[0]['msg']}"
            ) from None
        details = field_errors(error)
        fields = ", ".join(dict.fromkeys(d["field"] or "(body)" for d in details))
        raise Invalid("invalid", f"invalid {what}: {fields}", details) from None


def field_errors(error: _Errors, prefix: str = "") -> list[dict[str, Any]]:
    """One entry per bad field, named by its dotted path (the event type tag left out)."""
    details = []
    for issue in error.errors():
        loc = [str(p) for p in issue["loc"] if p not in ("body",)]
        loc = [p for p in loc if not _is_type_tag(p)]
        entry: dict[str, Any] = {"field": prefix + ".".join(loc), "message": issue["msg"]}
        entry["type"] = issue["type"]
        details.append(entry)
    return details


def _is_type_tag(part: str) -> bool:
    return part in EVENT_TYPES
