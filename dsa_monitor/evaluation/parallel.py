"""A helper process for a long evaluation run: it computes batches, this process stores them.

An evaluation over a national cohort is Python work (rows, screens, the bulk path, the flagged
few) and one process uses one core. ``in_order`` hands some batches of a run to a helper process
while this one computes others, and gives every batch back in order, so that storing (here only,
in the run's one transaction) is as it would be without the helper. The helper is a fresh
interpreter forked from a fork server (never a fork of this process, whose threads may hold
locks), with the evaluation's modules imported once per server. Whatever goes wrong there (a
batch raises, the process dies, it cannot start) costs time only: that batch is computed here.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

IN_FLIGHT = 2  # batches handed to the helper ahead of the one this process waits for
T = TypeVar("T")
R = TypeVar("R")


class Helper:
    """One helper process, started by ``initializer(*initargs)`` in it (pickled arguments)."""

    def __init__(
        self, initializer: Callable[..., None], initargs: tuple, *, preload: Sequence[str] = ()
    ) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=initializer, initargs=initargs)
        self.broken = False

    def submit(self, work: Callable[..., Any], *args: Any) -> Future | None:
        """``work(*args)`` in the helper, or None once the helper is unusable."""
        if self.broken:
            return None
        try:
            return self._pool.submit(work, *args)
        except Exception:  # a dead pool refuses work: the rest is done here
            self.broken = True
            log.warning("evaluation helper process unusable: batches computed in this process")
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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
        nonlocal claimed
        while helper is not None and claimed < len(batches) and len(handed) < IN_FLIGHT:
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
            elif not waiting.done() and claimed < len(batches):
                done[claimed] = here(batches[claimed])  # the next batch, while the helper works
                claimed += 1
            else:
                done[index] = _taken(handed.pop(index), batches[index], here, finish, helper)
            hand_out()
        yield done.pop(index)


def _taken(
    future: Future, batch: T, here: Callable[[T], R], finish: Callable[[Any, T], R], helper: Helper | None
) -> R:
    """What the helper gave for ``batch``, finished here; computed here if it failed."""
    try:
        given = future.result()
    except Exception as error:
        log.warning("evaluation helper failed a batch (%s: %s): computed here", type(error).__name__, error)
        if helper is not None and isinstance(error, BrokenProcessPool):
            helper.broken = True
        return here(batch)
    return finish(given, batch)
