"""Who may do what: bearer API keys with the roles reader < editor < admin.

Keys live hashed in the :class:`service.storage.keys.KeyStore`. Each process caches the digests
and re-reads them once a second in the background (and at once for a key it does not know),
so a key created or revoked by another process or by ``policy-timeline keys`` counts within
a second; one created or revoked through this process counts at once.

A presented key is found by its SHA-256 digest and confirmed with ``hmac.compare_digest``.
Timing the dictionary lookup could only tell an attacker about digests, which say nothing
about the keys.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPBearer

from service.http.errors import ApiError
from service.runtime.workers import Worker
from service.storage.keys import BOOTSTRAP_ADMIN, ROLES, KeyRecord, KeyStore, Role, digest, new_key

log = logging.getLogger("policy_timeline")
REFRESH_SECONDS = 1.0
MISS_REFRESH_SECONDS = 0.2  # unknown keys re-read the store at most this often
AUTHENTICATE = {"WWW-Authenticate": "Bearer"}
NEEDS_A_KEY: dict[Role, str] = {
    "reader": "reads need an API key on this server",
    "editor": "writes need an API key of role editor or admin",
    "admin": "this needs an API key of role admin",
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    def may(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class Keyring:
    """The keys of the store, cached. A supervised worker re-reads them every
    ``REFRESH_SECONDS``; a key not in the cache re-reads at once (at most every
    ``MISS_REFRESH_SECONDS``), so a key made by another process works straight away.

    The miss throttle counts only re-reads made for misses: a background re-read that ran just
    before another process committed a key must not stop that key's first request from
    re-reading."""

    def __init__(self, store: KeyStore, env_admin_key: str | None = None) -> None:
        self.store = store
        self._env_admin = digest(env_admin_key) if env_admin_key else None
        self._keys: dict[str, KeyRecord] = {}
        self._missed_at = float("-inf")
        self.refresh()
        self.worker = Worker("key-refresher", self._keep_fresh)

    def refresh(self) -> dict[str, KeyRecord]:
        keys = {record.digest: record for record in self.store.records()}
        self._keys = keys
        return keys

    def _keep_fresh(self, worker: Worker) -> None:
        while not worker.stopping.wait(REFRESH_SECONDS):
            self.refresh()
            worker.succeeded()

    def identify(self, key: str) -> Principal | KeyRecord | None:
        """The principal a key stands for; its record when the key was revoked; None when the
        key is unknown."""
        key_digest = digest(key)
        if self._env_admin is not None and hmac.compare_digest(key_digest, self._env_admin):
            return Principal(BOOTSTRAP_ADMIN, "admin")
        record = self._keys.get(key_digest)
        if record is None and time.monotonic() - self._missed_at > MISS_REFRESH_SECONDS:
            self._missed_at = time.monotonic()
            try:
                # its own answer, not self._keys, which a background re-read that began
                # before the key was committed may overwrite meanwhile
                record = self.refresh().get(key_digest)
            except Exception:  # the database is away: answer from the keys last read
                log.warning("could not re-read API keys; using those read before", exc_info=True)
        if record is None or not hmac.compare_digest(record.digest, key_digest):
            return None
        if record.revoked_at is not None:
            return record
        return Principal(record.name, record.role)


def bootstrap_admin(store: KeyStore, state_dir: Path) -> str | None:
    """On a store with no keys, make the first admin key and write it to
    ``<state_dir>/admin.key`` (mode 0600); returns it to print once, or None when keys exist.

    A key file left by an earlier install is adopted rather than replaced."""
    if store.records():
        return None
    key_file = state_dir / "admin.key"
    kept = key_file.read_text().strip() if key_file.exists() else ""
    if kept:
        store.bootstrap_admin(digest(kept))
        return None
    key = new_key()
    if not store.bootstrap_admin(digest(key)):
        return None  # another process starting at the same moment made the first key
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key


def bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "unauthorized",
            "the Authorization header must be 'Bearer <key>'",
            headers=AUTHENTICATE,
        )
    return key.strip()


def principal_of(request: Request, needed: Role) -> Principal | None:
    """The caller, or None for an anonymous public read; 401 for a missing, unknown or revoked
    key, 403 for a role below ``needed``. A key sent with a public read must still be valid,
    so a client learns at once that its key was revoked."""
    key = bearer_key(request)
    if key is None:
        if needed == "reader" and request.app.state.settings.public_reads:
            return None
        raise ApiError(
            401,
            "unauthorized",
            f"{NEEDS_A_KEY[needed]}: send 'Authorization: Bearer <key>'",
            headers=AUTHENTICATE,
        )
    keyring: Keyring = request.app.state.keyring
    found = keyring.identify(key)
    if found is None:
        raise ApiError(401, "unauthorized", "unknown API key", headers=AUTHENTICATE)
    if isinstance(found, KeyRecord):
        raise ApiError(
            401,
            "unauthorized",
            f"API key {found.name!r} was revoked at {found.revoked_at:%Y-%m-%dT%H:%M:%SZ}",
            headers=AUTHENTICATE,
        )
    if not found.may(needed):
        raise ApiError(
            403, "forbidden", f"key {found.name!r} has role {found.role!r}; this needs {needed!r}"
        )
    return found


class _DeclaredBearer(HTTPBearer):
    """The bearer key as the OpenAPI schema declares it. The header itself is read by
    principal_of, which tells a malformed header from a missing one, so resolving this
    dependency does nothing: no request parameter, no header parsed, no credentials built
    (FastAPI resolves it on every request that needs a key)."""

    async def __call__(self) -> None:  # type: ignore[override]
        return None


# Declared through FastAPI's security machinery so that the OpenAPI schema states, per
# operation, the role it needs (as the requirement's scope).
API_KEY = _DeclaredBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="an API key from `policy-timeline keys create` or POST /keys",
)


# FastAPI dependencies (async: a sync dependency would cost a trip through the thread pool).
async def require_reader(
    request: Request, _: Annotated[None, Security(API_KEY, scopes=["reader"])]
) -> Principal | None:
    """The caller, or None for an anonymous read while reads are public."""
    return principal_of(request, "reader")


async def require_editor(
    request: Request, _: Annotated[None, Security(API_KEY, scopes=["editor"])]
) -> Principal:
    return _known(principal_of(request, "editor"))


async def require_admin(
    request: Request, _: Annotated[None, Security(API_KEY, scopes=["admin"])]
) -> Principal:
    return _known(principal_of(request, "admin"))


def _known(principal: Principal | None) -> Principal:
    assert principal is not None  # only reads come back without one
    return principal
