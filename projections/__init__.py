"""Read models built from the event log, stored so that any (valid date, known position) is an
indexed query.

Storage choice (docs/design.md, two time axes): **system-versioned rows**. Every row of a view
carries two intervals: the log positions in which it was the current version (``[sys_from,
sys_until)``, record time) and the days on which it holds (``[valid_from, valid_until)``, valid
time). When an event arrives at position p, the runner recomputes the rows of the one policy it
belongs to; rows that changed are closed at p and their replacements open at p. Nothing is ever
deleted, so "what did the timeline say at position P about day D" is the set of rows whose
record interval contains P and whose valid interval contains D.

That is a stabbing query on two intervals. The SQLite store answers it with R*Trees
(``rtree_i32``) per view slot, current rows apart from closed ones and live entries apart from
ended ones, so that a read as known now touches only current rows, and an as-of read's cost
depends on the rows that answer it more than on the log's length
(``service/storage/views_sqlite.py``); the PostgreSQL store with GiST indexes. The timeline
view, read in date order rather than at one date, is paged through a B-tree on (slot, sort key)
instead.

Each view is one module that names the event types it consumes and turns a policy's events
(as corrected, retractions left out) into rows; ``registry.VIEWS`` lists them. The runner
(``runner.py``) applies each event to each view exactly once, writing the rows and the view's
tracking position in one transaction (the ``ViewStorage`` port, ``ports.py``).
"""
