"""Hearing of a partner's save: ``LISTEN`` on a server workspace's notice channel.

Every write of a model to a workspace on PostgreSQL inserts a row in table ``edit``,
whose trigger sends ``NOTIFY`` on :data:`cutsim.workspace.pg_adapter.CHANNEL` with the
model's key (:mod:`cutsim.workspace.pg_adapter`). :class:`ChangeListener` listens on its
own connection in a background thread and calls ``on_change(model_key)`` for each notice
(from that thread: the app hands it to its own thread with a queued signal). A workspace
file has no such notices; nothing listens for one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from cutsim.workspace.location import Location, parse_location

log = logging.getLogger(__name__)

POLL_S = 0.5  # how often the thread looks whether it was asked to stop


class ChangeListener:
    """Listens for writes to the server workspace at ``where`` until :meth:`stop`.

    ``on_change(model_key)`` is called from the listening thread for each model written
    (by anyone, this program too: compare versions to tell). ``on_lost(message)``, if
    given, is called once if the connection is lost; the listener then stops.
    """

    def __init__(self, where: str | Location, on_change: Callable[[int], None],
                 on_lost: Callable[[str], None] | None = None) -> None:
        location = parse_location(where) if not isinstance(where, Location) else where
        if not location.is_server:
            raise ValueError("only a workspace on a server announces its writes")
        self._location = location
        self._on_change, self._on_lost = on_change, on_lost
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="cutsim-listen", daemon=True)

    def start(self, timeout_s: float = 10.0) -> bool:
        """Start listening; True once the LISTEN is in place (within ``timeout_s``)."""
        self._thread.start()
        return self._ready.wait(timeout_s)

    def stop(self) -> None:
        """Stop listening and wait for the thread to end (within a second or so)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5 * POLL_S + 5)

    def _listen(self) -> None:
        import psycopg

        from cutsim.workspace.pg_adapter import CHANNEL, connect

        try:
            with connect(self._location.url or "", autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                self._ready.set()
                while not self._stop.is_set():
                    for notice in conn.notifies(timeout=POLL_S):
                        if notice.payload.isdigit():
                            self._on_change(int(notice.payload))
                        if self._stop.is_set():
                            break
        except psycopg.Error as exc:
            log.warning("stopped listening to %s: %s", self._location, exc)
            if self._on_lost is not None and not self._stop.is_set():
                self._on_lost(f"{self._location}: no longer told of partners' saves ({exc})")
        finally:
            self._ready.set()
