"""Atom 1.0 documents (RFC 4287), written by ``feedgen``: a feed and its entries as plain
values, turned into XML in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from feedgen.feed import FeedGenerator
from lxml import etree

MEDIA_TYPE = "application/atom+xml"
NAMESPACE = "{http://www.w3.org/2005/Atom}"
# Characters XML 1.0 cannot carry (control characters): lxml refuses the whole document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "related"
    type: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    text: str
    links: list[Link] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: datetime
    links: list[Link]
    entries: list[Entry]  # newest first, as they are listed


def atom(feed: Feed) -> bytes:
    """The feed as an Atom document (UTF-8, with its XML declaration)."""
    generator = FeedGenerator()
    generator.id(_clean(feed.id))
    generator.title(_clean(feed.title))
    generator.subtitle(_clean(feed.subtitle))
    generator.updated(feed.updated)
    generator.author(name="Policy Timeline")
    generator.generator("Policy Timeline")
    for link in feed.links:
        generator.link(_link(link))
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(_clean(entry.id))
        item.title(_clean(entry.title))
        item.updated(entry.updated)
        item.content(_clean(entry.text), type="text")
        for link in entry.links:
            item.link(_link(link))
        for term in entry.categories:
            item.category(term=_clean(term))
    return _with_link_attributes(generator.atom_str(pretty=True), feed)


def _with_link_attributes(document: bytes, feed: Feed) -> bytes:
    """feedgen 1.0.0 writes an entry's links with their ``href`` only (its loop reads the
    attributes from the element it has just made, not from the link given), which would make
    every link ``alternate``; they are put back here, in the order they were given."""
    root = etree.fromstring(document)
    written = root.findall(f"{NAMESPACE}entry")
    for entry, element in zip(feed.entries, written, strict=True):
        for link, tag in zip(entry.links, element.findall(f"{NAMESPACE}link"), strict=True):
            for name, value in _link(link).items():
                tag.set(name, value)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)  # type: ignore[no-any-return]


def _link(link: Link) -> dict[str, str]:
    fields = {"href": link.href, "rel": link.rel, "type": link.type, "title": link.title}
    return {k: _clean(v) for k, v in fields.items() if v}


def _clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)
