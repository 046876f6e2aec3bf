"""Write single-antigen bead results in the HLA Fusion CSV export layout (FORMATS.md).

Pure: panel and per-sample values in, bytes out. The demo trial and the tests use it to feed the
real upload door (``ingest.import_upload``) with files the way a lab's Fusion export looks:
fixed-slot ``Specificity`` lists (class I 6 slots, class II 12), beads 001/002 as the negative and
positive controls named by ``NC1BeadID``/``PC1BeadID``, a row per bead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

# Slot of each locus in Fusion's class II specificity list; class I names go in slot 0.
CLASS_II_SLOTS = {"DRB1": 0, "DRB3": 2, "DRB4": 2, "DRB5": 2, "DQA1": 4, "DQB1": 6, "DPA1": 8, "DPB1": 10}
COLUMNS = (
    "PatientID",
    "SampleIDName",
    "SampleDate",
    "RunDate",
    "CatalogID",
    "BeadID",
    "Specificity",
    "RawData",
    "NormalValue",
    "CountValue",
    "NC1BeadID",
    "PC1BeadID",
)


@dataclass(frozen=True, slots=True)
class FusionBead:
    """A bead of a panel: its number, allele names (two for DQ/DP), or a control kind."""

    bead_id: str
    alleles: tuple[str, ...] = ()
    control: str | None = None  # "NC" or "PC"


@dataclass(frozen=True, slots=True)
class FusionPanel:
    """A bead lot as Fusion names it in ``CatalogID`` (``LS1A..`` class I, ``LS2A..`` class II)."""

    catalog_id: str
    hla_class: str
    beads: tuple[FusionBead, ...]

    def index(self, allele: str) -> list[int]:
        """Positions of the beads carrying an allele."""
        return [i for i, b in enumerate(self.beads) if allele in b.alleles]

    @property
    def controls(self) -> tuple[str, str]:
        nc = next(b.bead_id for b in self.beads if b.control == "NC")
        pc = next(b.bead_id for b in self.beads if b.control == "PC")
        return nc, pc


@dataclass(frozen=True, slots=True)
class FusionSample:
    """One serum run on a panel: raw MFI per bead in panel order, bead counts optional."""

    sample_id: str
    patient_id: str
    draw_date: dt.date
    raw: Sequence[float]
    counts: Sequence[int] | None = None


def specificity_text(bead: FusionBead, hla_class: str) -> str:
    """Fusion's fixed-slot list: ``A*01:01,-,-,-,-,-`` or ``-,-,-,-,DQA1*05:01,-,DQB1*02:01,...``."""
    slots = ["-"] * (6 if hla_class == "I" else 12)
    for allele in bead.alleles:
        locus = allele.split("*")[0].removeprefix("HLA-")
        slots[0 if hla_class == "I" else CLASS_II_SLOTS[locus]] = allele
    return ",".join(slots)


def write_fusion_csv(panel: FusionPanel, samples: Sequence[FusionSample], *, run_date: dt.date) -> bytes:
    """One Fusion export (comma-delimited, decimal points, ISO dates) holding every sample.

    ``NormalValue`` is the raw MFI less the sample's NC bead (the documented fallback), blank on
    the control beads, as Fusion leaves it.
    """
    nc_id, pc_id = panel.controls
    nc_at = next(i for i, b in enumerate(panel.beads) if b.control == "NC")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for sample in samples:
        if len(sample.raw) != len(panel.beads):
            raise ValueError(
                f"sample {sample.sample_id}: {len(sample.raw)} values for {len(panel.beads)} beads"
            )
        background = float(sample.raw[nc_at])
        for i, bead in enumerate(panel.beads):
            raw = float(sample.raw[i])
            normal = "" if bead.control else f"{max(raw - background, 0.0):.2f}"
            count = 100 if sample.counts is None else int(sample.counts[i])
            writer.writerow(
                (
                    sample.patient_id,
                    sample.sample_id,
                    sample.draw_date.isoformat(),
                    run_date.isoformat(),
                    panel.catalog_id,
                    bead.bead_id,
                    specificity_text(bead, panel.hla_class),
                    f"{raw:.2f}",
                    normal,
                    count,
                    nc_id,
                    pc_id,
                )
            )
    return out.getvalue().encode("utf-8")
