"""A store whose material keys an older version derived (before named materials were matched
by word) is re-keyed when a server starts on it, so that word filters find its older events."""

from __future__ import annotations

import json

import httpx

from domain import materials
from domain.events import EVENT_ADAPTER
from domain.timeline import Appended, Submission
from service.bootstrap import open_timeline
from service.http.app import create_app
from service.settings import Settings
from service.storage.material_keys import MATERIAL_KEYS_VERSION
from tests.support.bodies import made_up_control


async def test_a_store_keyed_by_an_older_version_is_rekeyed_at_start(
    empty_settings: Settings,
) -> None:
    timeline = open_timeline(empty_settings.database_url)
    body = made_up_control(materials=["NdFeB magnets"], title="Made-up control on magnets")
    [answer] = timeline.append(
        [Submission(EVENT_ADAPTER.validate_json(json.dumps(body)), "test")], atomic=True
    )
    assert isinstance(answer, Appended)
    # As version 1 left it: one key per material, its whole text.
    timeline.recorder.replace_material_keys(  # type: ignore[attr-defined]
        [(materials.index_key("NdFeB magnets"), answer.position)], 1
    )
    assert timeline.recorder.material_keys_version() == 1  # type: ignore[attr-defined]
    timeline.close()

    application = create_app(empty_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as client:
            found = (await client.get("/events", params={"material": "magnets"})).json()
    assert [item["event"]["event_id"] for item in found["items"]] == [answer.event_id]
    reopened = open_timeline(empty_settings.database_url)
    assert reopened.recorder.material_keys_version() == MATERIAL_KEYS_VERSION  # type: ignore[attr-defined]
    reopened.close()
