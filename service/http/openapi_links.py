"""OpenAPI 3.1 ``links``: how the answer of one operation feeds the next one.

They document the API's flows (post an event, then read it back; page through the log) and
let a stateful fuzzer (schemathesis) chain real requests instead of guessing identifiers.
``add_links`` edits the generated schema in place (``service.http.openapi`` calls it).

Each link names its target by ``operationId``, looked up in the schema itself, so renaming a
route function does not leave a dangling link. A link whose source or target operation is not
in the schema is left out, and so is one whose source response body does not have the field it
reads: the keys endpoints, for one, are linked only once they exist and answer a ``name``.
Calling ``add_links`` twice changes nothing the second time.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from projections.registry import VIEWS


@dataclass(frozen=True)
class Link:
    """From ``source`` (method, path) answering one of ``statuses`` to ``target``, with
    ``parameters`` (target parameter name -> runtime expression) and an optional request body."""

    name: str
    source: tuple[str, str]
    statuses: tuple[str, ...]
    target: tuple[str, str]
    parameters: dict[str, str]
    description: str
    request_body: Any = None
    # The top-level response body field each expression reads (checked against the response
    # schema when it is declared; see ``_reads``).
    needs: tuple[str, ...] = field(default=())


_EVENTS = ("post", "/events")
_BATCH = ("post", "/events/batch")
_LOG = ("get", "/events")
_EVENT = ("get", "/events/{event_id}")
_POLICIES = ("get", "/policies")
_POLICY = ("get", "/policies/{policy_id}")
_VIEWS = ("get", "/views")
_REBUILD = ("post", "/views/{name}/rebuild")
_KEYS = ("post", "/keys")
_KEY_LIST = ("get", "/keys")
_KEY = ("delete", "/keys/{name}")

_WRITTEN = ("201", "200")
_NEXT = {"policy_id": "$response.body#/policy_id", "expected_version": "$response.body#/version"}

LINKS: tuple[Link, ...] = (
    # A post, then reading back what it recorded.
    Link(
        "GetEventById", _EVENTS, _WRITTEN, _EVENT,
        {"event_id": "$response.body#/event_id"},
        "The event just recorded, with any corrections recorded about it.",
    ),
    Link(
        "GetPolicyById", _EVENTS, _WRITTEN, _POLICY,
        {"policy_id": "$response.body#/policy_id"},
        "The policy the event belongs to, with its history.",
    ),
    Link(
        "ReadLogAtPosition", _EVENTS, _WRITTEN, _LOG,
        {"known_at": "position={$response.body#/position}"},
        "The log as it stood once the event was recorded.",
    ),
    *(
        Link(
            f"Read{spec.link_label}View", _EVENTS, _WRITTEN, ("get", f"/views/{spec.name}"),
            {"min_position": "$response.body#/position"},
            f"The {spec.link_label.lower()} view once it has applied the event (read your own "
            "writes).",
        )
        for spec in VIEWS.values()
    ),
    # The next event of the same policy, with optimistic concurrency: 409 if another writer
    # got there first (request body fields merged into the event being posted).
    Link(
        "RecordNextEvent", _EVENTS, _WRITTEN, _EVENTS, {},
        "Post the policy's next event, expecting the version this answer reports.",
        request_body=_NEXT,
    ),
    Link(
        "GetFirstEventOfBatch", _BATCH, _WRITTEN, _EVENT,
        {"event_id": "$response.body#/items/0/event_id"},
        "The first event of the batch.",
    ),
    Link(
        "GetFirstPolicyOfBatch", _BATCH, _WRITTEN, _POLICY,
        {"policy_id": "$response.body#/items/0/policy_id"},
        "The policy of the first event of the batch.",
    ),
    # Paging and following references.
    Link(
        "NextLogPage", _LOG, ("200",), _LOG,
        {"after": "$response.body#/next_after"},
        "The next page of the log (when next_after is not null).",
    ),
    Link(
        "GetFirstLoggedEvent", _LOG, ("200",), _EVENT,
        {"event_id": "$response.body#/items/0/event/event_id"},
        "The first event of the page, with its corrections.",
    ),
    Link(
        "GetPolicyOfEvent", _EVENT, ("200",), _POLICY,
        {"policy_id": "$response.body#/event/policy_id"},
        "The policy the event belongs to.",
    ),
    Link(
        "NextPolicyPage", _POLICIES, ("200",), _POLICIES,
        {"after": "$response.body#/next_after"},
        "The next page of policies (when next_after is not null).",
    ),
    Link(
        "GetFirstPolicy", _POLICIES, ("200",), _POLICY,
        {"policy_id": "$response.body#/items/0/policy_id"},
        "The first policy of the page.",
    ),
    Link(
        "RecordNextEventOfFirstPolicy", _POLICIES, ("200",), _EVENTS, {},
        "Post the next event of the first policy of the page, expecting its version.",
        request_body={
            "policy_id": "$response.body#/items/0/policy_id",
            "expected_version": "$response.body#/items/0/version",
        },
    ),
    Link(
        "RecordNextEventOfPolicy", _POLICY, ("200",), _EVENTS, {},
        "Post the policy's next event, expecting the version this answer reports.",
        request_body=_NEXT,
    ),
    Link(
        "GetFirstEventOfPolicy", _POLICY, ("200",), _EVENT,
        {"event_id": "$response.body#/history/0/event/event_id"},
        "The policy's first event.",
    ),
    Link(
        "RebuildFirstView", _VIEWS, ("200",), _REBUILD,
        {"name": "$response.body#/items/0/name"},
        "Rebuild the first view listed (admin).",
    ),
    # API keys (admin): only linked once those endpoints exist and answer a `name`.
    Link(
        "DeleteCreatedKey", _KEYS, ("201", "200"), _KEY,
        {"name": "$response.body#/name"},
        "Revoke the key just created.",
        needs=("name",),
    ),
    Link(
        "DeleteFirstListedKey", _KEY_LIST, ("200",), _KEY,
        {"name": "$response.body#/items/0/name"},
        "Revoke the first key listed.",
        needs=("items",),
    ),
)  # fmt: skip


def add_links(schema: dict[str, Any]) -> None:
    """Add :data:`LINKS` to the responses of ``schema`` (an OpenAPI 3.1 document), in place."""
    paths = schema.get("paths", {})
    for link in LINKS:
        source = _operation(paths, link.source)
        target = _operation(paths, link.target)
        if source is None or target is None or "operationId" not in target:
            continue
        if not _has_parameters(target, link):
            continue
        body: dict[str, Any] = {
            "operationId": target["operationId"],
            "parameters": dict(link.parameters),
            "description": link.description,
        }
        if link.request_body is not None:
            body["requestBody"] = link.request_body
        for status in link.statuses:
            response = source.get("responses", {}).get(status)
            if response is None or not _reads(schema, response, link.needs):
                continue
            response.setdefault("links", {})[link.name] = deepcopy(body)


def _operation(paths: dict[str, Any], where: tuple[str, str]) -> dict[str, Any] | None:
    method, path = where
    operation = paths.get(path, {}).get(method)
    return operation if isinstance(operation, dict) else None


def _has_parameters(target: dict[str, Any], link: Link) -> bool:
    declared = {p.get("name") for p in target.get("parameters", []) if isinstance(p, dict)}
    return all(name.split(".")[-1] in declared for name in link.parameters)


def _reads(schema: dict[str, Any], response: dict[str, Any], needs: tuple[str, ...]) -> bool:
    """Whether the response's JSON body declares the top-level fields ``needs`` names."""
    if not needs:
        return True
    body = response.get("content", {}).get("application/json", {}).get("schema", {})
    body = _resolve(schema, body)
    properties = body.get("properties", {}) if isinstance(body, dict) else {}
    return all(name in properties for name in needs)


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    """``node`` with local ``$ref``s followed (a few levels at most)."""
    for _ in range(10):
        if not isinstance(node, dict) or not str(node.get("$ref", "")).startswith("#/"):
            return node
        target: Any = schema
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node = target
    return node
