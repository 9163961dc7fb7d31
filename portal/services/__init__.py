"""The application layer: every use case once, as one named method of the :class:`Portal`
application (``application.py``, with a mixin per area), called the same way by the web views,
the CLI, the SSDA903 importer, the notices runner and the demo loader.

Each use case is get, call, save: it loads aggregates, calls domain methods and saves them (their
events are appended atomically), and returns the notification id of its last event so a caller
can wait for the projections. No Flask here: this layer imports only downward (auth, projections'
queries, domain)."""
