"""The one shape every vendor parser produces: a file of samples, each a list of bead results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class BeadResult:
    """One bead of one sample, with every value the file gives for it."""

    bead_id: str  # vendor bead number / region; MATCH IT! has none: its allele text then
    specificity: tuple[str, ...]  # allele names on the bead, modern form ("DQA1*05:01", "DQB1*02:01")
    raw_mfi: float | None = None
    normalized_mfi: float | None = None  # One Lambda NormalValue/NormalData (background-adjusted)
    bcm: float | None = None  # LIFECODES background-corrected MFI
    bcr: float | None = None
    ad_bcr: float | None = None
    ad_bcm: float | None = None  # LIFECODES antigen-density adjusted BCM (BCM / RAD)
    count: int | None = None  # bead events counted
    vendor_assignment: str | None = None  # MATCH IT! Positive/Negative, Fusion Rxn score...
    serology: str | None = None  # serologic name as the file gives it
    control: str | None = None  # "NC" / "PC" for control beads, else None
    line: int | None = None  # line of the file the value came from (for error messages)
    extra: dict[str, str] = field(default_factory=dict)  # every other column, verbatim


@dataclass(slots=True)
class SampleResult:
    """One serum tested on one bead panel (one class, one lot)."""

    sample_id: str
    patient_id: str | None = None
    run_date: dt.date | None = None
    draw_date: dt.date | None = None
    vendor: str | None = None  # "onelambda" | "immucor" | None
    kit: str | None = None  # catalogue / kit name, e.g. "LS2A01", "LSA1"
    lot: str | None = None  # e.g. "LS2A01NC21_013_00", "3008386 3008385-SA1"
    hla_class: str | None = None  # "I" | "II"
    beads: list[BeadResult] = field(default_factory=list)
    qc_limits: dict[str, float] = field(default_factory=dict)  # from a lot file (.eds) when present
    warnings: list[str] = field(default_factory=list)
    line: int | None = None  # first line of this sample in the file
    well: str | None = None  # plate well the serum was read in (xPONENT Location "33(1,A5)" -> A5)
    # Where the file says the sending laboratory rejected this assay ("HAML reject-assay"), and
    # its reason: QC then fails the sample (``qc.evaluate_qc``), so no DSA call is made from it.
    rejected_by_lab: str | None = None
    rejection_reason: str | None = None


@dataclass(slots=True)
class ParsedFile:
    """What one uploaded file contained, before any storage."""

    format: str  # "fusion" | "matchit" | "xponent" | "generic" | "haml"
    file_name: str
    samples: list[SampleResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The file's own name for a field ("sample_id" -> "SampleIDName"), so that a refusal of a
    # value (``sab.checks``) names the column the lab sees.
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a parser may need beyond the bytes: the lab's date format, registered lot catalogues."""

    date_format: str | None = None  # e.g. "%d-%m-%Y"; ambiguous dates without it are an error
    catalogues: object | None = None  # a ``catalogue.CatalogueRegistry`` for xPONENT files
    min_bead_count: int = 50
    lot: str | None = None  # the bead lot, when the file does not name it (xPONENT ProtocolName)
    encoding: str | None = None  # file encoding when not UTF-8/16 with BOM, e.g. "cp1252"
