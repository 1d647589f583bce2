"""The timeline's search (``q``) over original-language text, in Chinese and Japanese, on the
bundled real timeline and on made-up events (their titles and sources say so).

The bundled China events carry their official Chinese titles (service/data): 稀土管理条例 (the
Regulations on Rare Earth Management, cn-re-regulations-2024) and 稀土开采和稀土冶炼分离总量调控
管理暂行办法 (cn-re-quota-measures-2025) hold 稀土; the export-control announcements hold
出口管制 (e.g. 关于对镓、锗相关物项实施出口管制的公告, cn-gage-2023), the 2023 technology
catalogue (中国禁止出口限制出口技术目录) and the regulations do not. Words with Chinese or
Japanese characters match as substrings, others as whole words.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.bodies import AUTH, made_up_control

BUNDLED = 57  # events in service/data: reads wait until the views hold them all


async def timeline(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get(
        "/views/timeline", params={"min_position": BUNDLED, "limit": 1000, "q": q, **params}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def found(client: httpx.AsyncClient, q: str, **params: Any) -> set[str]:
    return {item["policy_id"] for item in (await timeline(client, q, **params))["items"]}


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> int:
    response = await client.post("/events", json=body, headers=AUTH)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["position"])


def holding(events: list[dict[str, Any]], text: str) -> set[str]:
    """The bundled events (shown by default: not unverified) whose text holds ``text``."""
    fields = ("title", "summary", "original_title", "original_summary")
    return {
        e["policy_id"]
        for e in events
        if e.get("confidence") != "unverified" and any(text in (e.get(f) or "") for f in fields)
    }


def made_up_japanese(**overrides: Any) -> dict[str, Any]:
    """A made-up Japanese export control (not a real policy)."""
    return made_up_control(
        policy_id="xx-madeup-ja-control",
        jurisdiction="JP",
        agency="Made-up ministry",
        title="Made-up test control on rare-earth exports (Japanese original)",
        original_language="ja",
        original_title="レアアースの輸出規制",
        original_summary="試験のための架空の措置",
        **overrides,
    )


async def test_two_chinese_characters_find_the_rare_earth_acts(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    hits = await found(client, "稀土")
    assert {"cn-re-regulations-2024", "cn-re-quota-measures-2025"} <= hits
    assert hits == holding(real_events, "稀土")
    assert "cn-gage-2023" not in hits  # 镓、锗: no 稀土


async def test_export_control_in_chinese_finds_the_announcements_that_say_it(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    hits = await found(client, "出口管制")
    assert {"cn-gage-2023", "cn-antimony-2024", "cn-7ree-2025", "cn-ann61-2025"} <= hits
    # The technology catalogue, the regulations and the anti-smuggling meetings say 出口 but
    # not 出口管制.
    assert not {"cn-re-tech-ban-2023", "cn-re-regulations-2024",
                "cn-smuggling-campaign-2025-05"} & hits  # fmt: skip
    assert hits == holding(real_events, "出口管制")
    # Chinese punctuation inside a word is part of the substring.
    assert await found(client, "镓、锗") == {"cn-gage-2023"}


async def test_english_words_match_as_before(client: httpx.AsyncClient) -> None:
    smuggling = {"cn-smuggling-campaign-2025-05", "cn-smuggling-intensify-2025-07"}
    assert await found(client, "smuggling") == smuggling
    assert await found(client, "SMUGGLING") == smuggling  # case-insensitive
    assert await found(client, "smuggl") == set()  # whole words, not substrings


async def test_every_word_must_appear_english_and_chinese_alike(
    client: httpx.AsyncClient,
) -> None:
    assert await found(client, "smuggling 走私") == {
        "cn-smuggling-campaign-2025-05", "cn-smuggling-intensify-2025-07",
    }  # fmt: skip
    assert await found(client, "smuggling 稀土") == set()
    both = await found(client, "gallium 出口管制")
    assert "cn-gage-2023" in both
    assert both == await found(client, "gallium") & await found(client, "出口管制")
    assert await found(client, "稀土 管理条例") == {"cn-re-regulations-2024"}


async def test_search_text_is_never_query_syntax(client: httpx.AsyncClient) -> None:
    # FTS5 would read * as a prefix and LIKE % and _ as wildcards: here they are characters.
    for q in ("稀土管理*", "稀%土", "稀_", "管理条例 NEAR", "稀土 OR", "稀土\\"):
        assert await found(client, q) == set(), q


async def test_a_search_of_ideographic_spaces_alone_has_no_words(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/views/timeline", params={"q": "\u3000\u3000"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


async def test_japanese_original_text_found_by_long_and_short_words(
    client: httpx.AsyncClient,
) -> None:
    position = await post(client, made_up_japanese())
    ours = {"xx-madeup-ja-control"}
    assert await found(client, "レアアース", min_position=position) == ours  # 5 characters
    assert await found(client, "輸出規制", min_position=position) == ours
    assert await found(client, "輸出", min_position=position) == ours  # 2: no trigram
    assert await found(client, "架空", min_position=position) == ours  # in original_summary
    assert await found(client, "ﾚｱｱｰｽ", min_position=position) == ours  # half-width kana
    assert await found(client, "輸入", min_position=position) == set()
    assert await found(client, "レアアース exports", min_position=position) == ours
    assert await found(client, "レアアース imports", min_position=position) == set()


async def test_words_in_other_original_languages_match_as_words(
    client: httpx.AsyncClient,
) -> None:
    body = made_up_control(
        policy_id="xx-madeup-fr-control",
        jurisdiction="FR",
        title="Made-up test control (French original)",
        original_language="fr",
        original_title="Contrôle fictif des exportations",
    )
    position = await post(client, body)
    assert await found(client, "fictif", min_position=position) == {"xx-madeup-fr-control"}
    assert await found(client, "fict", min_position=position) == set()


async def test_a_corrected_original_title_is_found_only_as_known_after_it(
    client: httpx.AsyncClient,
) -> None:
    first = await post(
        client,
        made_up_control(
            event_id="6f1d2a7e-3c4b-4e0a-9d1e-5a0b7c9e2f10",
            policy_id="xx-madeup-zh-control",
            original_language="zh-Hans",
            original_title="关于虚构物项实施出口管制的公告",
        ),
    )
    correction = {
        "type": "EventCorrected",
        "corrects": "6f1d2a7e-3c4b-4e0a-9d1e-5a0b7c9e2f10",
        "announced_on": "2025-04-10",
        "title": "Made-up correction of the original title",
        "sources": [{"title": "made-up test source", "url": None}],
        "reason": "made-up: the original title was misread",
        "changes": {"original_title": "关于虚拟物项实施出口管制的公告"},
    }
    second = await post(client, correction)
    ours = {"xx-madeup-zh-control"}
    before = {"known_at": f"position={first}", "min_position": second}
    assert await found(client, "虚构", **before) == ours
    assert await found(client, "虚拟", **before) == set()
    assert await found(client, "虚构", min_position=second) == set()
    assert await found(client, "虚拟物项", min_position=second) == ours
    assert ours <= await found(client, "出口管制", min_position=second)


async def test_entries_a_chinese_search_leaves_out_by_confidence_are_counted(
    client: httpx.AsyncClient,
) -> None:
    position = await post(
        client,
        made_up_control(
            policy_id="xx-madeup-unverified-control",
            confidence="unverified",
            original_language="zh-Hans",
            original_title="未经证实的虚构管制",
        ),
    )
    shown = await timeline(client, "虚构管制", min_position=position)
    assert shown["items"] == [] and shown["left_out_by_min_confidence"] == 1
    everything = {"min_position": position, "min_confidence": "unverified"}
    assert await found(client, "虚构管制", **everything) == {"xx-madeup-unverified-control"}


@pytest.mark.parametrize(
    "extra",
    [{"original_title": "稀土管制"}, {"original_summary": "稀土管制"}],
    ids=["title", "summary"],
)
async def test_original_text_needs_its_language(
    client: httpx.AsyncClient, extra: dict[str, str]
) -> None:
    response = await client.post("/events", json=made_up_control(**extra), headers=AUTH)
    assert response.status_code == 422
    assert "original_language" in response.text
