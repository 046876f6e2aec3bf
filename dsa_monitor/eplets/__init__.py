"""Eplets (HLAMatchmaker-derived tables): the eplets of a typing, the donor-recipient mismatch
load, and the candidate target eplets of a DSA. Pure: tables as text in, arrays and dataclasses
out; installing the tables is ``reference.eplets``. The rules in words: ``docs/eplets.md``."""

from .explain import CandidateEplet, DSAEplets, explain, unexplained
from .load import Eplet, GroupLoad, MismatchLoad, mismatch_load, mismatch_matrix
from .placement import PersonEplets, Placement, person_eplets, stored_loci
from .report import recipient_reading, text_lines
from .tables import FILES, GROUPS, EpletTable, GroupTable, read_tables

__all__ = [
    "FILES",
    "GROUPS",
    "CandidateEplet",
    "DSAEplets",
    "Eplet",
    "EpletTable",
    "GroupLoad",
    "GroupTable",
    "MismatchLoad",
    "PersonEplets",
    "Placement",
    "explain",
    "mismatch_load",
    "mismatch_matrix",
    "person_eplets",
    "read_tables",
    "recipient_reading",
    "stored_loci",
    "text_lines",
    "unexplained",
]
