"""API keys: create (the key is shown once), list, revoke, and the log of those changes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import TypeAdapter

from service.http.auth import Keyring, Principal, require_admin
from service.http.body import read_body, schema_ref
from service.http.errors import ApiError, ErrorEnvelope
from service.http.schemas import (
    KeyCreated,
    KeyInfo,
    KeyList,
    KeyLog,
    KeyLogItem,
    KeyRequest,
)
from service.parsing import parse
from service.storage.keys import KEY_NAME_PATTERN, KeyNameRefused, UnknownKey

router = APIRouter(tags=["keys"])

ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorEnvelope} for s in (400, 404, 409, 422)
}

Admin = Annotated[Principal, Depends(require_admin)]
KEY_REQUEST = TypeAdapter(KeyRequest)


def keyring(request: Request) -> Keyring:
    return request.app.state.keyring  # type: ignore[no-any-return]


async def key_request(request: Request) -> KeyRequest:
    """The body, read only once the caller is known to be an admin (FastAPI reads a declared
    body before any dependency, so a stranger would learn of his JSON before of his key)."""
    return parse(KEY_REQUEST, await read_body(request), what="key request")


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyCreated,
    responses=ERRORS,
    openapi_extra=schema_ref("KeyRequest"),
)
def create_key(
    request: Request, principal: Admin, asked: Annotated[KeyRequest, Depends(key_request)]
) -> KeyCreated:
    """A new key for ``name`` with ``role``. The answer holds the key; it is stored hashed and
    cannot be shown again. 409 when the name is reserved or taken (revoked names stay taken)."""
    ring = keyring(request)
    try:
        record, key = ring.store.create(asked.name, asked.role, by=principal.name)
    except KeyNameRefused as refused:
        raise ApiError(409, "conflict", str(refused)) from None
    ring.refresh()
    return KeyCreated(**KeyInfo.of(record).model_dump(), key=key)


@router.get("/keys", response_model=KeyList)
def list_keys(request: Request, principal: Admin) -> KeyList:
    """Every key ever created, revoked ones included (never the keys themselves)."""
    return KeyList(items=[KeyInfo.of(r) for r in keyring(request).store.records()])


@router.get("/keys/log", response_model=KeyLog)
def key_log(request: Request, principal: Admin) -> KeyLog:
    """Key creations and revocations, oldest first: who did what, when."""
    return KeyLog(items=[KeyLogItem(**e.__dict__) for e in keyring(request).store.log()])


@router.delete("/keys/{name}", response_model=KeyInfo, responses=ERRORS)
def revoke_key(
    request: Request,
    name: Annotated[str, Path(pattern=KEY_NAME_PATTERN, max_length=64)],
    principal: Admin,
) -> KeyInfo:
    """Revoke a key: from now on it gets 401 (in other processes within a second). Revoking a
    revoked key answers the same and changes nothing."""
    ring = keyring(request)
    try:
        record = ring.store.revoke(name, by=principal.name)
    except UnknownKey:
        raise ApiError(404, "not_found", f"no key named {name!r}") from None
    ring.refresh()
    return KeyInfo.of(record)
