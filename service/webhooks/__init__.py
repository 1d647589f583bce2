"""Webhooks: each change a view's stream would send, POSTed to a receiver, signed, in order,
at least once (``docs/webhooks.md``).

One small module per job: ``signing`` (Standard Webhooks headers), ``ssrf`` (which addresses
a webhook may reach), ``backoff`` (when to try again), ``filters`` (a webhook's filters, checked
as the stream's query parameters are), ``changes`` (the stream's steps turned into bodies,
computed once for every webhook at the same point), ``sender`` and ``connection`` (one
attempt, to a checked address, over a kept-alive HTTP/1.1 connection), ``admin`` (creating a
webhook and redelivering, shared by the API and the CLI). The rows live in
``service.storage.webhooks``; the worker that delivers is ``service.runtime.webhooks``.
"""
