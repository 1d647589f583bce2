"""The stored events of ``Policy``, written and read without the aggregate or the mapper: the
bulk write path of ``Timeline.append``.

Appending through ``Policy`` objects (an aggregate rebuilt per policy, a domain event object
per fact, the library's mapper encoding each) cost more than the rest of an append together.
``Timeline.append`` therefore checks the rules on a ``policy.Stream`` (the same ``Facts`` fold)
and writes the stored events the aggregate would have recorded directly, through the
recorder's public insert API. They are the library's own records: same stream id, version,
topic and state layout, so ``Policy`` and the library's mapper read them back as if they had
written them (tests/store/test_bulk_append.py compares the two byte for byte).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.policy import Policy, stream_id

OPENED_TOPIC = get_topic(Policy.Opened)
RECORDED_TOPIC = get_topic(Policy.FactRecorded)
POLICY_TOPIC = get_topic(Policy)
_POLICY_TOPIC_JSON = orjson.dumps(POLICY_TOPIC)


def domain_event(
    policy_id: str, version: int, fact: dict[str, Any], recorded_by: str, timestamp: datetime
) -> Policy.Opened | Policy.FactRecorded:
    """The event ``Policy.open`` (version 1) or ``Policy.add`` records for ``fact``."""
    given: dict[str, Any] = {
        "originator_id": stream_id(policy_id),
        "originator_version": version,
        "timestamp": timestamp,
        "fact": fact,
        "recorded_by": recorded_by,
    }
    if version == 1:
        opened: Any = Policy.Opened  # the library's event classes take their fields as keywords
        return opened(originator_topic=POLICY_TOPIC, policy_id=policy_id, **given)
    recorded: Any = Policy.FactRecorded
    return recorded(**given)


def stored_event(
    policy_id: str,
    version: int,
    fact: dict[str, Any],
    recorded_by: str,
    timestamp: datetime,
    body: bytes | None = None,
) -> StoredEvent:
    """What the library's mapper stores for :func:`domain_event` with its JSON transcoder (no
    compressor, no cipher): the event's attributes but its id and version, as compact JSON in
    that order, the timestamp as the transcoder writes a datetime. ``body``, when given, is
    ``fact`` already written as JSON (the event's own serialisation). Written with orjson and
    pydantic; the library's ``json`` reads it back to the same values, and writes the same
    bytes (an exponent of a float may be spelt differently: ``1e-05`` against ``1e-5``)."""
    fact_json = orjson.dumps(fact) if body is None else body
    head = b'{"timestamp":{"_type_":"datetime_iso","_data_":"' + timestamp.isoformat().encode()
    if version == 1:
        head += b'"},"originator_topic":' + _POLICY_TOPIC_JSON + b',"policy_id":'
        head += orjson.dumps(policy_id) + b',"fact":'
        topic = OPENED_TOPIC
    else:
        head += b'"},"fact":'
        topic = RECORDED_TOPIC
    state = head + fact_json + b',"recorded_by":' + orjson.dumps(recorded_by) + b"}"
    return StoredEvent(stream_id(policy_id), version, topic, state)


def stored_facts(stored_events: Sequence[StoredEvent]) -> list[dict[str, Any]]:
    """The facts of stored ``Policy`` events written by the JSON transcoder, as ``Policy``
    holds them (facts are plain JSON: no value of theirs is transcoded)."""
    return [orjson.loads(stored.state)["fact"] for stored in stored_events]
