"""The OpenAPI schema: FastAPI's, plus what it cannot see from the routes.

* The request bodies (the event catalogue, the key request): the endpoints validate the raw
  body (strict JSON mode, and only after the caller's key), so the bodies cannot be declared
  as ordinary parameters.
* Who may call what: the bearer key is optional on reads (public by default), and the 401 and
  403 answers that go with it.
* Links from an append's answer to the event and its policy, for clients and for stateful
  fuzzing.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from domain.events import (
    BATCH_ADAPTER,
    EVENT_ADAPTER,
    MAX_BATCH,
    MAX_LIST,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
)
from service.http.auth import API_KEY
from service.http.openapi_links import add_links
from service.http.routers.keys import KEY_REQUEST
from service.queries.views import MAX_PAGE, MAX_POLICY_PAGE
from service.storage.keys import ROLES

ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    for name, adapter in (
        ("PolicyEvent", EVENT_ADAPTER),
        ("Batch", BATCH_ADAPTER),
        ("KeyRequest", KEY_REQUEST),
    ):
        own = adapter.json_schema(ref_template="#/components/schemas/{model}")
        models.update(own.pop("$defs", {}))
        models[name] = own
    body_limit = app.state.settings.max_body_bytes
    schema["info"]["description"] += "\n\n" + limits(body_limit)
    for item in schema["paths"].values():
        for operation in item.values():
            _state_roles(operation)
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("413", _error(f"the body is over {body_limit:,} bytes"))
                responses.setdefault(
                    "415", _error("the body is not sent as `Content-Type: application/json`")
                )
            responses.setdefault(
                "503",
                _error("the database is not answering (a restart); retry after `Retry-After`"),
            )
    add_links(schema)
    app.openapi_schema = schema
    return schema


def limits(body_limit: int) -> str:
    return (
        "**Limits.** A request body may hold up to "
        f"{body_limit:,} bytes (`POLICY_TIMELINE_MAX_BODY_BYTES`; 413 beyond), a batch up to "
        f"{MAX_BATCH:,} events. In an event, a title holds up to {MAX_TITLE} characters, a "
        f"summary or reason up to {MAX_TEXT:,}, a name up to {MAX_NAME}, a list up to "
        f"{MAX_LIST} items (each field's `maxLength` and `maxItems` below). A page holds up to "
        f"{MAX_PAGE:,} items (`limit`), {MAX_POLICY_PAGE} on `/policies`."
    )


def _state_roles(operation: dict[str, Any]) -> None:
    """FastAPI declares each operation's key as ``{"apiKey": [role]}``; make it optional on
    reads (public by default) and add the answers that come with it."""
    requirements = operation.get("security")
    if not requirements:
        return
    asked = {role for requirement in requirements for scopes in requirement.values()
             for role in scopes}  # fmt: skip
    role = max(asked, key=ROLES.index)  # e.g. rebuild: the views' reader and its own admin
    operation["security"] = [{API_KEY.scheme_name: [role]}]
    responses = operation["responses"]
    if role == "reader":
        operation["security"].insert(0, {})
        responses.setdefault("401", _error("a key was sent and is unknown or revoked, or "
                                           "reads need a key on this server"))  # fmt: skip
        return
    responses.setdefault("401", _error("no key, or an unknown or revoked key"))
    responses.setdefault("403", _error(f"the key's role is below {role}"))
    operation["description"] = f"Needs role **{role}**.\n\n" + operation.get("description", "")


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
