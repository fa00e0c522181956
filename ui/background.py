"""Long work of the core on a thread of its own: a cancellable worker and the jobs of one
owner (the Monte Carlo of the run controller, the review of the Actuals tab).

A :class:`BackgroundWorker` runs :meth:`~BackgroundWorker.work` and reports ``progress``
(percent), then ``finished(result)``, ``failed(message)`` or ``cancelled``. A
:class:`BackgroundJobs` starts each worker on a new ``QThread``, keeps the thread until it
has ended, and knows which worker is current: a worker cancelled or replaced still runs
to its next block, and its late signals are told apart by :meth:`BackgroundJobs.is_current`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class BackgroundWorker(QObject):
    """One job on its own thread. Subclasses give :meth:`work` (the result, or None when
    it stopped because :attr:`is_cancelled`) and :meth:`describe` (one line for a failure)."""

    progress = Signal(int)  # percent done, 0-100
    finished = Signal(object)  # the result
    failed = Signal(str)  # one line for the user
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next block (thread-safe)."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, done: int, total: int) -> None:
        """The core's ``progress(done, total)`` callback, as a percent."""
        self.progress.emit(round(100 * done / max(total, 1)))

    def work(self) -> Any:
        raise NotImplementedError

    def describe(self, error: Exception) -> str:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            self.failed.emit(self.describe(error))
            return
        if result is None:
            self.cancelled.emit()
        else:
            self.finished.emit(result)


class BackgroundJobs(QObject):
    """The worker threads of one owner (a QObject on the GUI thread).

    ``len(jobs)`` is how many threads have not ended yet; ``ended(worker)`` fires on the
    GUI thread once a worker's thread has ended and been let go.
    """

    ended = Signal(object)

    def __init__(self, owner: QObject) -> None:
        super().__init__(owner)
        self._threads: dict[QThread, BackgroundWorker] = {}
        self.current: BackgroundWorker | None = None  # the job whose results count

    def __len__(self) -> int:
        return len(self._threads)

    def start(self, worker: BackgroundWorker, progress: Callable[[int], None],
              finished: Callable[[Any], None], failed: Callable[[str], None]) -> None:
        """Run ``worker`` on a new thread, as the current job; the callbacks are the
        owner's slots (so they run on the GUI thread)."""
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(progress)
        worker.finished.connect(finished)
        worker.failed.connect(failed)
        for signal in (worker.finished, worker.failed, worker.cancelled):
            signal.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._threads[thread] = worker
        self.current = worker
        thread.start()

    def cancel(self) -> bool:
        """Cancel the current job, if any (its results are not shown); True if there was one."""
        if self.current is None:
            return False
        self.current.cancel()
        self.current = None
        return True

    def is_current(self, worker: QObject | None) -> bool:
        """Whether a signal from ``worker`` (the sender) still counts."""
        return worker is not None and worker is self.current and not self.current.is_cancelled

    def done(self) -> None:
        """The current job has given its result or its failure."""
        self.current = None

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until every thread has ended (for shutdown and scripts)."""
        return all(thread.wait(timeout_ms) for thread in list(self._threads))

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        worker = self._threads.pop(thread, None)  # type: ignore[call-overload]
        if worker is None:
            return
        thread.deleteLater()
        # The worker's thread has no event loop any more; dropping the last reference
        # (Python owns it) deletes it.
        self.ended.emit(worker)
