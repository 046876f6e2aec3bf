"""DSA evaluation over time, wired to storage: the I/O edge around the pure ``dsa`` core.

``service.evaluate_recipient`` / ``service.evaluate_pending`` load a recipient's sera, typings and
exposures, evaluate each donor with ``dsa`` and store the result with the rules in force;
``changes`` says what an evaluation changed (the facts alerts are made of), and
``service.store_evaluation`` records those facts with the evaluation, through the recorder the
alerts install (``recording``): no door stores an evaluation without its alerts.
"""

from .changes import ChangeFact, changes, facts_of
from .model import DonorEvaluation, PointResult, RecipientEvaluation, StateResult
from .recording import NoRecorder, RecordFacts
from .service import (
    PendingRun,
    RecipientFailure,
    current_evaluations,
    evaluate_pending,
    evaluate_recipient,
    evaluate_recipients,
    store_evaluation,
    stored_evaluation,
)

__all__ = [
    "ChangeFact",
    "DonorEvaluation",
    "NoRecorder",
    "PendingRun",
    "PointResult",
    "RecipientEvaluation",
    "RecipientFailure",
    "RecordFacts",
    "StateResult",
    "changes",
    "current_evaluations",
    "evaluate_pending",
    "evaluate_recipient",
    "evaluate_recipients",
    "facts_of",
    "store_evaluation",
    "stored_evaluation",
]
