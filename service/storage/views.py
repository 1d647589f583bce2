"""The view store beside the timeline's events, in the same database: the SQLite or the
PostgreSQL adapter, by the database the timeline is on."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteDatastore

from domain.timeline import Timeline
from projections.ports import ViewStorage
from projections.registry import VIEWS


def view_store(timeline: Timeline) -> ViewStorage:
    """The view store for ``timeline``'s database, its tables created."""
    datastore = timeline.factory.datastore  # type: ignore[attr-defined]
    store: ViewStorage
    if isinstance(datastore, SQLiteDatastore):
        from service.storage.views_sqlite import ViewStore

        store = ViewStore(datastore=datastore)
    else:
        from service.storage.views_postgres import PostgresViewStore

        store = PostgresViewStore(datastore=datastore)
    store.create_table()
    return store


def open_views(timeline: Timeline) -> ViewStorage:
    """The view store with an active slot for every view."""
    store = view_store(timeline)
    for name in VIEWS:
        store.ensure_active_slot(name)
    return store
