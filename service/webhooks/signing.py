"""Standard Webhooks signatures (https://www.standardwebhooks.com/), made by the
``standardwebhooks`` package so that any receiver using it (or another implementation of the
same scheme) verifies them: ``webhook-id`` names the message (the stream point, the same on
every retry, so a receiver can drop a repeat), ``webhook-timestamp`` the attempt (receivers
refuse one more than five minutes off, so every retry is signed anew), ``webhook-signature``
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from math import floor

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the scheme asks for 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class Signer:
    """Signs the messages of one webhook (its secret decoded once)."""

    def __init__(self, secret: str) -> None:
        self._webhook = Webhook(secret)

    def headers(self, message_id: str, body: bytes, at: datetime) -> dict[str, str]:
        at = at.astimezone(UTC)
        return {
            "webhook-id": message_id,
            "webhook-timestamp": str(floor(at.timestamp())),
            "webhook-signature": self._webhook.sign(message_id, at, body.decode()),
        }
