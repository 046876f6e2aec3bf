"""DSA calling and follow-up: pure numpy and dataclasses, no storage, no web.

``matching`` turns a donor's typing into per-bead masks of a panel, ``calls`` calls DSA for many
samples at once, ``timeline`` and ``visits`` follow each DSA over an exposure's visits, and
``rules`` holds every threshold in force (stored with each evaluation by its version).
"""

from .calls import (
    BeadCall,
    DSACall,
    PanelEvaluation,
    SampleDSA,
    evaluate,
    evaluate_exposure,
    evaluate_values,
)
from .donor import DonorHLA, TypingEntry
from .matching import BeadPanel, DonorMatch, match_donor
from .rules import CELL_THERAPY_RULES, DEFAULT_RULES, Rules, VisitSpec
from .timeline import (
    DSAState,
    DSAValue,
    SampleDSAValues,
    Timeline,
    build_timeline,
    merge_values,
    values_from_evaluation,
)
from .visits import SampleRef, VisitWindow, assign_visits, overdue_visits, visit_windows

__all__ = [
    "BeadCall",
    "BeadPanel",
    "CELL_THERAPY_RULES",
    "DEFAULT_RULES",
    "DSACall",
    "DSAState",
    "DSAValue",
    "DonorHLA",
    "DonorMatch",
    "PanelEvaluation",
    "Rules",
    "SampleDSA",
    "SampleDSAValues",
    "SampleRef",
    "Timeline",
    "TypingEntry",
    "VisitSpec",
    "VisitWindow",
    "assign_visits",
    "build_timeline",
    "evaluate",
    "evaluate_exposure",
    "evaluate_values",
    "match_donor",
    "merge_values",
    "overdue_visits",
    "values_from_evaluation",
    "visit_windows",
]
