"""A background refresher for widgets that follow work running elsewhere (runs, batches).

Widget state set from a thread reaches the frontend like state set from a cell, and the
kernel stays free for the user's own cells. The thread ends as soon as its callback says
there is nothing left to follow, so an idle panel costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ticker:
    """Calls `tick()` every `interval` seconds while it returns True."""

    def __init__(self, tick: Callable[[], bool], interval: float = 1.0) -> None:
        self._tick = tick
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False  # start() was called while the thread was deciding to end
        self._stop = threading.Event()

    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def start(self) -> None:
        """Start following; while already following, make sure it goes on for at least one more tick."""
        with self._lock:
            self._stop.clear()
            if self._thread is not None:
                self._again = True
                return
            self._thread = threading.Thread(target=self._loop, name="jupyter-mlops-widgets", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        try:
            while True:
                while not self._stop.wait(self.interval) and self._tick():
                    pass
                with self._lock:
                    if not self._again or self._stop.is_set():
                        self._thread = None
                        return
                    self._again = False
        except Exception:
            # The error goes to threading's excepthook (the kernel's log); the next start() begins afresh.
            with self._lock:
                self._thread = None
            raise
