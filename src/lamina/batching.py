"""A background thread that calls a ``flush`` every fraction of a second, for the writers that keep
store writes off the request path (the audit trail, the functions' logs).

::

    flusher = PeriodicFlush(self.flush, "lamina-audit", every=0.2)   # started at once
    flusher.close()                                                  # stop, then one last flush

A failed flush is logged and the thread goes on: the writer decides what a failure loses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["PeriodicFlush"]


class PeriodicFlush:
    """Calls ``flush`` every ``every`` seconds on a daemon thread named ``name`` until ``close``."""

    def __init__(self, flush: Callable[[], Any], name: str, *, every: float, log: logging.Logger) -> None:
        self._flush = flush
        self._every = every
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._flush()
            except Exception:  # a failed batch is logged and dropped; the writer goes on
                self._log.exception("%s: a flush failed", self._thread.name)

    def close(self) -> None:
        """Stop the thread (after the flush under way, if any), then flush what is left."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._flush()
