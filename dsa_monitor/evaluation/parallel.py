"""A helper process for a long evaluation run: it computes batches, this process stores them.

An evaluation over a national cohort is Python work (rows, screens, the bulk path, the flagged
few) and one process uses one core. ``in_order`` hands some batches of a run to a helper process
while this one computes others, and gives every batch back in order, so that storing (here only,
in the run's one transaction) is as it would be without the helper. The helper is a fresh
interpreter (never a fork of this process, whose threads may hold locks) that reads its work from
its standard input: when this process ends, even killed, the helper reads the end of it and
exits. Whatever goes wrong there (a batch raises, the process dies, it cannot start) costs time
only: that batch is computed here.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import IO, Any, TypeVar

log = logging.getLogger(__name__)

IN_FLIGHT = 2  # batches the helper has to do (one at work, one waiting): it never idles
AHEAD = 8  # batches done before their turn to be stored, by each side: what a run holds in memory
# sqlite_utils imports pandas when it is installed (to recognise its values, which the helper is
# never given): 0.2 s of the helper's start, on the run's clock.
_NO_PANDAS = "import sys; sys.modules['pandas'] = None"
T = TypeVar("T")
R = TypeVar("R")


class Helper:
    """One helper process, set up by ``initializer(*initargs)`` there (pickled, as is the work
    and what it gives back: module-level functions and plain data). Work is written to it by a
    thread of its own: a message larger than a pipe holds (the reference data, 1.4 MB for an
    IPD-IMGT/HLA release) never keeps this process waiting for the helper's start."""

    def __init__(self, initializer: Callable[..., None], initargs: tuple) -> None:
        results, given = os.pipe()
        path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", f"{_NO_PANDAS}; from {__name__} import serve; serve({given})"],
                stdin=subprocess.PIPE,
                pass_fds=(given,),
                env={**os.environ, "PYTHONPATH": path},
            )
        finally:
            os.close(given)
        self._results = os.fdopen(results, "rb")
        assert self._process.stdin is not None
        self._requests: IO[bytes] = self._process.stdin
        self._outbox: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._waiting: deque[Future] = deque()
        self._lock = threading.Lock()
        self.broken = False
        self._outbox.put((initializer, initargs))
        self._threads = [
            threading.Thread(target=self._write, name="evaluation-helper-in", daemon=True),
            threading.Thread(target=self._read, name="evaluation-helper-out", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: Callable[..., Any], *args: Any) -> Future | None:
        """``work(*args)`` in the helper, or None once the helper is unusable."""
        future: Future = Future()
        with self._lock:
            if self.broken:
                return None
            self._waiting.append(future)
        self._outbox.put((work, args))
        return future

    def _write(self) -> None:
        """Send each message in turn; at the end (None), close the helper's input: it exits."""
        while (message := self._outbox.get()) is not None:
            try:
                pickle.dump(message, self._requests, protocol=pickle.HIGHEST_PROTOCOL)
                self._requests.flush()
            except Exception as error:  # the helper ended, or the work would not pickle
                with self._lock:
                    self._broke(error)
                break
        try:
            self._requests.close()
        except OSError:
            pass

    def _read(self) -> None:
        """Give each answer to the oldest waiting future; at the helper's end, fail them all."""
        while True:
            try:
                done, value = pickle.load(self._results)
            except Exception as error:  # EOF: the helper ended (or was killed)
                with self._lock:
                    self._broke(error)
                return
            with self._lock:
                future = self._waiting.popleft() if self._waiting else None
            if future is None:  # owed to nobody any more (the helper was given up)
                continue
            if done:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _broke(self, error: BaseException) -> None:
        """No more work for the helper (the lock held): what it still owes is computed here."""
        if not self.broken:
            log.warning("evaluation helper process unusable (%s): batches computed here", error)
        self.broken = True
        while self._waiting:
            self._waiting.popleft().set_exception(RuntimeError(f"the helper process ended: {error}"))

    def close(self) -> None:
        """End the helper (it reads the end of its input) and wait for it."""
        with self._lock:
            self.broken = True
        self._outbox.put(None)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for thread in self._threads:
            thread.join()
        self._results.close()


def serve(results_fd: int) -> None:
    """The helper's side: set up, then compute each request and send back what it gave (or
    the error it raised), until its input ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it ends this
    requests, results = sys.stdin.buffer, os.fdopen(results_fd, "wb")
    initializer, initargs = pickle.load(requests)
    initializer(*initargs)
    while True:
        try:
            work, args = pickle.load(requests)
        except EOFError:  # the run is over (or its process ended): nothing here to tidy
            results.close()
            os._exit(0)
        try:
            answer: tuple = (True, work(*args))
        except Exception as error:
            answer = (False, RuntimeError(f"{type(error).__name__}: {error}"))
        pickle.dump(answer, results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()


def in_order(
    batches: Sequence[T],
    here: Callable[[T], R],
    helper: Helper | None,
    there: Callable[[T], Any],
    finish: Callable[[Any, T], R],
) -> Iterator[R]:
    """``here(batch)`` for every batch, in order; with a ``helper``, some batches are computed
    there as ``there(batch)`` (a picklable module-level function) and made into the same result
    by ``finish(what_there_gave, batch)`` here. While it waits for the helper, this process
    computes the next batches itself; a batch the helper fails is computed here."""
    done: dict[int, R] = {}
    handed: dict[int, Future] = {}
    claimed = 0  # batches [0, claimed) are computed or handed out

    def hand_out() -> None:
        """Keep the helper busy: ``IN_FLIGHT`` batches not done yet, at most ``AHEAD`` done and
        waiting here for their turn (what a run keeps in memory)."""
        nonlocal claimed
        while helper is not None and claimed < len(batches) and len(handed) < AHEAD:
            if sum(1 for future in handed.values() if not future.done()) >= IN_FLIGHT:
                return
            future = helper.submit(there, batches[claimed])
            if future is None:
                return
            handed[claimed] = future
            claimed += 1

    for index in range(len(batches)):
        hand_out()
        while index not in done:
            waiting = handed.get(index)
            if waiting is None:  # never handed out: computed here
                done[index] = here(batches[index])
                claimed = max(claimed, index + 1)
            elif not waiting.done() and claimed < len(batches) and len(done) < AHEAD:
                done[claimed] = here(batches[claimed])  # the next batch, while the helper works
                claimed += 1
            else:
                done[index] = _taken(handed.pop(index), batches[index], here, finish)
            hand_out()
        yield done.pop(index)


def _taken(future: Future, batch: T, here: Callable[[T], R], finish: Callable[[Any, T], R]) -> R:
    """What the helper gave for ``batch``, finished here; computed here if it failed."""
    try:
        given = future.result()
    except Exception as error:
        log.warning("evaluation helper failed a batch (%s: %s): computed here", type(error).__name__, error)
        return here(batch)
    return finish(given, batch)
