"""Who turns what an evaluation changed into alert events: no evaluation is stored without it.

An evaluation stored without its change facts loses an alert for good: the next run finds the
same fingerprint, sees nothing new, and the de novo e-mail is never sent. So ``service`` stores an
evaluation and records its facts in one function, in one transaction, and there is no way to ask
it not to record. The recorder comes from ``alerts`` (events, outbox), which imports
``evaluation``, never the reverse: the alerts package installs its recorder when it is imported
(every door imports it: the app factory, the commands, the scheduler). A door may pass its own
recorder (``record=``); with none passed and none installed the evaluation refuses to run.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from .changes import ChangeFact

# Called in the evaluations' transaction with the facts of the evaluations stored together, in order.
RecordFacts = Callable[[Database, list[ChangeFact]], object]

_installed: list[RecordFacts] = []


class NoRecorder(RuntimeError):
    """An evaluation was asked to store results while nothing can record what they change."""


def install(record: RecordFacts) -> None:
    """Make ``record`` the recorder of every evaluation that is not given one (the last wins)."""
    _installed[:] = [record]


def installed() -> RecordFacts | None:
    """The installed recorder, if any."""
    return _installed[0] if _installed else None


def recorder(record: RecordFacts | None = None) -> RecordFacts:
    """``record`` if given, else the installed one; never "no recorder"."""
    chosen = record if record is not None else installed()
    if chosen is None:
        raise NoRecorder(
            "no recorder of change facts is installed, so an evaluation would be stored without"
            " its alerts: import dsa_monitor.alerts (it installs one) or pass record="
        )
    return chosen
