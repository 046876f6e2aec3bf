"""A deterministic synthetic cell-therapy trial: typed recipients and donors, sera, Fusion files.

Modelled on the motivating trial (ISSUE 4): recipients with lupus, each given a single infusion of
umbilical-cord MSC from a typed donor, sampled at baseline, M1, M3, M6, M9 and M12; one recipient
develops a de novo DSA at M3. The bead panels are our own (real allele names, made-up bead numbers
and lots). MFI noise comes from a seeded ``numpy`` Generator: the same seed, the same files.
Pure: the trial and its files are values; ``dsa-monitor demo`` and the tests store them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .fusion_writer import FusionBead, FusionPanel, FusionSample, write_fusion_csv

CLASS_I_ALLELES = (
    *(
        f"A*{x}"
        for x in "01:01 02:01 02:03 02:06 03:01 11:01 23:01 24:02 25:01 26:01 29:02 30:01"
        " 31:01 32:01 33:01 34:01 36:01 43:01 66:01 68:01 68:02 69:01 74:01 80:01".split()
    ),
    *(
        f"B*{x}"
        for x in "07:02 08:01 13:02 14:01 15:01 15:02 15:03 15:10 15:12 15:13 15:16 18:01"
        " 27:05 35:01 37:01 38:01 39:01 40:01 40:02 41:01 42:01 44:02 44:03 45:01 46:01 47:01"
        " 48:01 49:01 50:01 51:01 52:01 53:01 54:01 55:01 56:01 57:01 58:01 59:01 67:01 73:01"
        " 78:01 81:01 82:01".split()
    ),
    *(
        f"C*{x}"
        for x in "01:02 02:02 03:02 03:03 03:04 04:01 05:01 06:02 07:01 07:02 08:01"
        " 12:03 14:02 15:02 16:01 17:01 18:01".split()
    ),
)
CLASS_II_BEADS = (
    *(
        (f"DRB1*{x}",)
        for x in "01:01 01:02 01:03 03:01 03:02 04:01 04:02 04:03 04:04 04:05 07:01"
        " 08:01 08:02 09:01 10:01 11:01 11:03 11:04 12:01 12:02 13:01 13:03 14:01 14:54 15:01"
        " 15:02 15:03 16:01".split()
    ),
    ("DRB3*01:01",),
    ("DRB3*02:02",),
    ("DRB3*03:01",),
    ("DRB4*01:01",),
    ("DRB5*01:01",),
    ("DRB5*02:02",),
    *(
        (f"DQA1*{a}", f"DQB1*{b}")
        for a, b in (
            ("01:01", "05:01"),
            ("01:02", "06:02"),
            ("01:02", "06:09"),
            ("01:03", "06:03"),
            ("01:04", "05:03"),
            ("02:01", "02:02"),
            ("02:01", "03:03"),
            ("03:01", "03:02"),
            ("03:02", "03:03"),
            ("03:03", "03:01"),
            ("04:01", "04:02"),
            ("05:01", "02:01"),
            ("05:05", "03:01"),
            ("06:01", "03:01"),
        )
    ),
    *(
        (f"DPA1*{a}", f"DPB1*{b}")
        for a, b in (
            ("01:03", "01:01"),
            ("01:03", "02:01"),
            ("01:03", "03:01"),
            ("01:03", "04:01"),
            ("01:03", "04:02"),
            ("02:01", "01:01"),
            ("02:01", "05:01"),
            ("02:01", "11:01"),
            ("02:02", "05:01"),
            ("03:01", "04:02"),
        )
    ),
)


def demo_panel(hla_class: str, lot: str = "001") -> FusionPanel:
    """Our class I or class II panel: NC bead 001, PC bead 002, then one bead per specificity."""
    specificities = [(a,) for a in CLASS_I_ALLELES] if hla_class == "I" else list(CLASS_II_BEADS)
    beads = [FusionBead("001", control="NC"), FusionBead("002", control="PC")]
    beads += [FusionBead(f"{n:03d}", alleles) for n, alleles in enumerate(specificities, start=3)]
    kit = "LS1A90" if hla_class == "I" else "LS2A90"
    return FusionPanel(f"{kit}DM_{lot}_00", hla_class, tuple(beads))


VISITS = (("baseline", -7), ("M1", 30), ("M3", 91), ("M6", 182), ("M9", 273), ("M12", 365))
# The study's visit schedule as the store takes it: {"name": str, "day": int, "window_days": int}
SCHEDULE: list[dict[str, Any]] = [{"name": name, "day": day, "window_days": 14} for name, day in VISITS[1:]]

# (recipient typing, donor typing): common alleles; each donor differs from its recipient.
TYPINGS = (
    (
        "A*01:01+A*02:01^B*08:01+B*44:02^C*05:01+C*07:01^DRB1*03:01+DRB1*15:01^DQB1*02:01+DQB1*06:02",
        "A*02:01+A*03:01^B*07:02+B*44:02^C*05:01+C*07:02^DRB1*15:01+DRB1*04:01^DQB1*06:02+DQB1*03:02",
    ),
    (
        "A*02:01+A*11:01^B*35:01+B*51:01^C*04:01+C*14:02^DRB1*11:01+DRB1*13:01^DQB1*03:01+DQB1*06:03",
        "A*02:01+A*26:01^B*35:01+B*38:01^C*04:01+C*12:03^DRB1*11:01+DRB1*07:01^DQB1*03:01+DQB1*02:02",
    ),
    (
        "A*03:01+A*32:01^B*07:02+B*40:01^C*03:04+C*07:02^DRB1*15:01+DRB1*13:03^DQB1*06:02+DQB1*03:01",
        "A*24:02+A*03:01^B*07:02+B*57:01^C*06:02+C*07:02^DRB1*15:01+DRB1*07:01^DQB1*06:02+DQB1*03:03",
    ),
    (
        "A*01:01+A*24:02^B*08:01+B*57:01^C*06:02+C*07:01^DRB1*03:01+DRB1*07:01^DQB1*02:01+DQB1*03:03",
        "A*01:01+A*68:01^B*08:01+B*44:03^C*07:01+C*16:01^DRB1*03:01+DRB1*13:01^DQB1*02:01+DQB1*06:03",
    ),
    (
        "A*02:01+A*30:01^B*13:02+B*18:01^C*06:02+C*07:01^DRB1*07:01+DRB1*11:04^DQB1*02:02+DQB1*03:01",
        "A*02:01+A*29:02^B*18:01+B*44:03^C*07:01+C*16:01^DRB1*07:01+DRB1*01:01^DQB1*02:02+DQB1*05:01",
    ),
    (
        "A*11:01+A*33:01^B*15:02+B*58:01^C*03:02+C*08:01^DRB1*15:02+DRB1*12:02^DQB1*05:01+DQB1*03:01",
        "A*11:01+A*02:03^B*58:01+B*46:01^C*03:02+C*01:02^DRB1*12:02+DRB1*09:01^DQB1*03:01+DQB1*03:03",
    ),
    (
        "A*23:01+A*68:02^B*53:01+B*45:01^C*04:01+C*16:01^DRB1*13:03+DRB1*08:01^DQB1*03:01+DQB1*04:02",
        "A*23:01+A*30:01^B*53:01+B*42:01^C*04:01+C*17:01^DRB1*13:03+DRB1*03:02^DQB1*03:01+DQB1*04:02",
    ),
    (
        "A*02:01+A*25:01^B*18:01+B*51:01^C*12:03+C*14:02^DRB1*15:01+DRB1*16:01^DQB1*06:02+DQB1*05:02",
        "A*02:01+A*31:01^B*51:01+B*39:01^C*14:02+C*07:02^DRB1*16:01+DRB1*04:04^DQB1*05:02+DQB1*03:02",
    ),
)


@dataclass(frozen=True, slots=True)
class TrialRecipient:
    subject_code: str
    lab_id: str  # the lab's patient ID, written in the result files
    typing: str  # GL String
    donor_code: str
    donor_typing: str
    infusion: dt.date


@dataclass(frozen=True, slots=True)
class TrialSerum:
    subject_code: str
    sample_id: str
    visit: str
    date: dt.date


@dataclass
class Trial:
    """Everything a demo or test stores: the study, its people, and the lab's files."""

    study_code: str
    title: str
    visit_schedule: list[dict]
    recipients: list[TrialRecipient]
    sera: list[TrialSerum]
    files: list[tuple[str, bytes]] = field(default_factory=list)
    as_of: dt.date = dt.date(2000, 1, 1)  # the day after the last visit window closed


# (subject index, target allele) -> MFI by visit: the de novo DSA of the motivating trial.
DE_NOVO = {(2, "A*24:02"): {"M3": 2600.0, "M6": 5400.0, "M9": 4900.0, "M12": 4100.0}}
# A non-donor antibody (e.g. from pregnancy) present from baseline: never a DSA.
THIRD_PARTY = {(5, "B*08:01"): dict.fromkeys(("baseline", "M1", "M3", "M6", "M9", "M12"), 3500.0)}


def build_trial(
    seed: int = 2026,
    *,
    start: dt.date = dt.date(2025, 1, 13),
    antibodies: Mapping[tuple[int, str], Mapping[str, float]] | None = None,
    qc_failed: frozenset[tuple[int, str, str]] = frozenset(),
    missing: frozenset[tuple[int, str]] = frozenset(),
) -> Trial:
    """The trial, its sera and one Fusion file per visit and class.

    ``antibodies`` (default: the M3 de novo DSA and a third-party antibody) raise bead MFI by
    visit; ``qc_failed`` holds (subject index, visit, class) runs whose PC bead fails;
    ``missing`` holds (subject index, visit) sera never drawn.
    """
    rng = np.random.default_rng(seed)
    wanted = {**DE_NOVO, **THIRD_PARTY} if antibodies is None else dict(antibodies)
    recipients = [
        TrialRecipient(
            f"LUP-{i + 1:02d}",
            f"P{7100 + i + 1}",
            recipient,
            f"UC-MSC-{i + 1:02d}",
            donor,
            start + dt.timedelta(days=14 * i),
        )
        for i, (recipient, donor) in enumerate(TYPINGS)
    ]
    panels = {"I": demo_panel("I"), "II": demo_panel("II")}
    profile = {
        (i, c): rng.lognormal(np.log(120.0), 0.5, len(panels[c].beads))
        for i in range(len(recipients))
        for c in panels
    }
    sera: list[TrialSerum] = []
    runs: dict[tuple[str, str], list[FusionSample]] = {}
    last_close = start
    for i, person in enumerate(recipients):
        for visit, day in VISITS:
            if (i, visit) in missing:
                continue
            jitter = 0 if visit == "baseline" else int(rng.integers(-3, 4))
            date = person.infusion + dt.timedelta(days=day + jitter)
            serum = TrialSerum(person.subject_code, f"{person.subject_code}-{visit}", visit, date)
            sera.append(serum)
            last_close = max(last_close, person.infusion + dt.timedelta(days=day + 14))
            for hla_class, panel in panels.items():
                raw = profile[(i, hla_class)] * rng.lognormal(0.0, 0.12, len(panel.beads))
                raw = np.minimum(raw, 600.0)
                for (subject, allele), by_visit in wanted.items():
                    if subject == i and visit in by_visit:
                        for b in panel.index(allele):
                            raw[b] = by_visit[visit] * rng.lognormal(0.0, 0.03)
                nc = next(b for b, bead in enumerate(panel.beads) if bead.control == "NC")
                pc = next(b for b, bead in enumerate(panel.beads) if bead.control == "PC")
                raw[nc] = rng.uniform(40.0, 90.0)
                failed = (i, visit, hla_class) in qc_failed
                raw[pc] = rng.uniform(150.0, 400.0) if failed else rng.uniform(14000.0, 22000.0)
                runs.setdefault((visit, hla_class), []).append(
                    FusionSample(serum.sample_id, person.lab_id, date, np.round(raw, 2).tolist())
                )
    files = []
    for (visit, hla_class), samples in runs.items():
        run_date = max(s.draw_date for s in samples) + dt.timedelta(days=3)
        name = f"fusion_{visit}_class{hla_class}.csv"
        files.append((name, write_fusion_csv(panels[hla_class], samples, run_date=run_date)))
    return Trial(
        "MSC-SLE",
        "Umbilical-cord MSC in lupus (synthetic demo)",
        SCHEDULE,
        recipients,
        sera,
        files,
        last_close + dt.timedelta(days=1),
    )


# The other cases `dsa-monitor demo` teaches, beside the de novo DSA and the third-party antibody:
# LUP-01 carries an anti-A3 (its donor's A*03:01) from before the infusion, which then rises;
LUP_01, LUP_05, LUP_08 = 0, 4, 7
PREFORMED_RISING = {
    (LUP_01, "A*03:01"): {
        "baseline": 1500.0,
        "M1": 1600.0,
        "M3": 1750.0,
        "M6": 3300.0,
        "M9": 5400.0,
        "M12": 5900.0,
    }
}
# LUP-05's M6 class I run fails QC (PC bead too low); its class II run still stands for M6;
DEMO_QC_FAILED = frozenset({(LUP_05, "M6", "I")})
# LUP-08's M12 serum was never drawn, and its window closed OVERDUE_FOR_DAYS before "today".
DEMO_MISSING = frozenset({(LUP_08, "M12")})
OVERDUE_FOR_DAYS = 6


def demo_trial(today: dt.date, seed: int = 2026) -> Trial:
    """The trial ``dsa-monitor demo`` stores, dated so that ``today`` is its as-of day.

    The last recipient is infused 14 × 7 days after the first; its M12 window (day 365 + 14)
    closed ``OVERDUE_FOR_DAYS`` ago, so the scheduler's overdue check (recent windows only) and
    the evaluation both see it; every other visit lies in the past with its serum.
    """
    last_close = 14 * (len(TYPINGS) - 1) + VISITS[-1][1] + SCHEDULE[-1]["window_days"]
    start = today - dt.timedelta(days=last_close + OVERDUE_FOR_DAYS)
    trial = build_trial(
        seed,
        start=start,
        antibodies={**DE_NOVO, **THIRD_PARTY, **PREFORMED_RISING},
        qc_failed=DEMO_QC_FAILED,
        missing=DEMO_MISSING,
    )
    trial.as_of = today
    return trial
