"""Signatures as Standard Webhooks defines them, checked with the ``standardwebhooks`` package a
receiver would use."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from service.webhooks.signing import Signer, new_secret

BODY = '{"view":"active-export-controls","position":58,"title":"Made-up 稀土"}'.encode()


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_a_receiver_verifies_the_headers_and_the_body() -> None:
    secret = new_secret()
    headers = Signer(secret).headers("58@2026-11-28", BODY, datetime.now(UTC))
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "58@2026-11-28"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == {
        "view": "active-export-controls", "position": 58, "title": "Made-up 稀土"
    }  # fmt: skip


def test_a_changed_body_id_or_secret_and_an_old_timestamp_are_refused() -> None:
    secret = new_secret()
    headers = Signer(secret).headers("58", BODY, datetime.now(UTC))
    for body, sent, key in (
        (BODY + b" ", headers, secret),
        (BODY, {**headers, "webhook-id": "59"}, secret),
        (BODY, headers, new_secret()),
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(key).verify(body, sent)
    old = Signer(secret).headers("58", BODY, datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, old)
