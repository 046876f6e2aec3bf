"""DSA evaluation over time, wired to storage: the I/O edge around the pure ``dsa`` core.

``service.evaluate_recipient`` / ``service.evaluate_pending`` load a recipient's sera, typings and
exposures, evaluate each donor with ``dsa`` and store the result with the rules in force;
``changes`` says what an evaluation changed (the facts alerts are made of).
"""

from .changes import ChangeFact, changes, facts_of
from .model import DonorEvaluation, PointResult, RecipientEvaluation, StateResult
from .service import (
    PendingRun,
    RecipientFailure,
    current_evaluations,
    evaluate_pending,
    evaluate_recipient,
    evaluate_recipients,
    stored_evaluation,
)

__all__ = [
    "ChangeFact",
    "DonorEvaluation",
    "PendingRun",
    "PointResult",
    "RecipientEvaluation",
    "RecipientFailure",
    "StateResult",
    "changes",
    "current_evaluations",
    "evaluate_pending",
    "evaluate_recipient",
    "evaluate_recipients",
    "facts_of",
    "stored_evaluation",
]
