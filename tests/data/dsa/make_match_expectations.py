"""Write match_expectations.json: DonorMatch outputs of random typings, the regression baseline.

Run by hand (``python tests/data/dsa/make_match_expectations.py``) only when the matching rules
change on purpose. Cases on the embedded reference are stored in full; cases on IPD-IMGT/HLA 3.58.0
are stored as a digest (licence: no table derived from the release goes into the project).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/: reference_paths

from reference_paths import HLA_REFERENCE, IMGT_358  # noqa: E402

from dsa_monitor.demo.trial import demo_panel  # noqa: E402
from dsa_monitor.dsa.donor import DonorHLA  # noqa: E402
from dsa_monitor.dsa.matching import BeadPanel, DonorMatch, match_donor  # noqa: E402
from dsa_monitor.reference.service import embedded, load_release  # noqa: E402

SMALL = [
    "NC",
    "A*02:01",
    "A*24:02",
    "A*23:01",
    "B*44:02",
    "B*07:02",
    "DRB1*15:01",
    "DRB5*01:01",
    "DPA1*01:03&DPB1*04:01",
    "DPA1*02:01&DPB1*04:01",
    "DQA1*05:01&DQB1*02:01",
    "DRB3*01:01",
    "DRB4*01:01",
    "C*12:03",
    "C*07:02",
]
# Names a lab writes besides the panel's own alleles: antigens, broads, associated, supertypic,
# 1-field, codes, nulls, deeper fields, unknown and odd alleles.
EXTRA = [
    "A2",
    "A9",
    "A24",
    "A203",
    "A*02",
    "A*24",
    "A*02:XX",
    "A*02:AB",
    "A*24:02N",
    "A*02:01:01:01",
    "A*02:99",
    "B44",
    "B12",
    "B21",
    "B4005",
    "B*44",
    "B*07:02:01",
    "Bw4",
    "Bw6",
    "Cw4",
    "Cw7",
    "C*12",
    "C*07",
    "DR15",
    "DR2",
    "DR52",
    "DR51",
    "DR53",
    "DR4",
    "DR17",
    "DR3",
    "DRB1*15",
    "DRB1*04",
    "DRB3*02",
    "DRB4*01:03N",
    "DQ7",
    "DQ3",
    "DQ2",
    "DQB1*03",
    "DQA1*05",
    "DQA1*01:01",
    "DPA1*01",
    "DPB1*04",
    "DPB1*04:02",
    "DP4",
    "DRB5*01",
    "A*01:01N",
    "A*68:01",
    "A*02:999",
    "B*44:998",
    "DRB1*15:987",
    "DQB1*03:999",
]


def panel_alleles(panel: BeadPanel) -> list[str]:
    return sorted({str(c) for b in panel.beads for c in (b.primary, b.alpha) if c is not None})


def catalogue_panel(name: str) -> BeadPanel:
    with (HLA_REFERENCE / "bead_catalogues" / name).open(newline="", encoding="utf-8") as handle:
        rows = [
            (r["bead_id"], tuple(a for a in (r["alpha_allele"], r["beta_allele"]) if a), None)
            for r in csv.DictReader(handle)
        ]
    return BeadPanel.build(rows)


def demo(hla_class: str) -> BeadPanel:
    panel = demo_panel(hla_class)
    return BeadPanel.build((b.bead_id, tuple(b.alleles), b.control) for b in panel.beads)


PANELS = {
    "small": lambda: BeadPanel.from_specificities(SMALL),
    "demo-I": lambda: demo("I"),
    "demo-II": lambda: demo("II"),
    "LS1A04": lambda: catalogue_panel("OneLambda_LS1A04_lot015_beads.csv"),
    "LS2A01": lambda: catalogue_panel("OneLambda_LS2A01_lot013_beads.csv"),
}


def random_typing(rng: random.Random, pool: list[str]) -> list[str]:
    """Two names for each of a random subset of loci; some ambiguous."""
    by_locus: dict[str, list[str]] = {}
    for name in pool:
        locus = name.split("*")[0] if "*" in name else name.rstrip("0123456789")
        by_locus.setdefault(locus, []).append(name)
    names = []
    for _, choices in sorted(by_locus.items()):
        if rng.random() < 0.25:
            continue  # locus untyped
        for _ in range(rng.choice((1, 2, 2, 2))):
            if rng.random() < 0.1 and "*" in choices[0]:
                names.append("/".join(rng.sample(choices, min(len(choices), rng.choice((2, 3))))))
            else:
                names.append(rng.choice(choices))
    return names


def as_json(match: DonorMatch) -> dict:
    return {
        "primary_level": match.primary_level.tolist(),
        "alpha_level": match.alpha_level.tolist(),
        "primary_self": match.primary_self.tolist(),
        "alpha_self": match.alpha_self.tolist(),
        "alpha_untyped": match.alpha_untyped.tolist(),
        "shared": match.shared.tolist(),
        "primary_target": list(match.primary_target),
        "alpha_target": list(match.alpha_target),
        "antigen": list(match.antigen),
        "epitope": list(match.epitope),
        "release": match.release,
        "notes": list(match.notes),
        "donor_id": match.donor_id,
    }


def digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def release_pool(rng: random.Random, panel: BeadPanel) -> list[str]:
    """Alleles of 3.58.0 at the panel's loci (drawn here, never stored beyond the cases)."""
    loci = {c.locus for b in panel.beads for c in (b.primary, b.alpha) if c is not None}
    names = [
        line.split(",")[1]
        for line in (IMGT_358 / "Allelelist.txt").read_text().splitlines()
        if "," in line and not line.startswith("#") and line.split(",")[1].split("*")[0] in loci
    ]
    return rng.sample(names, 60)


def cases(rng: random.Random, reference_name: str, count: int) -> list[dict]:
    panels = ["small", "demo-I", "demo-II"] + (["LS1A04", "LS2A01"] if reference_name != "embedded" else [])
    out = []
    for k in range(count):
        panel_name = panels[k % len(panels)]
        panel = PANELS[panel_name]()
        pool = panel_alleles(panel) + EXTRA
        if reference_name != "embedded" and k % 2:
            pool += release_pool(rng, panel)
        donor = random_typing(rng, pool)
        recipient = None if rng.random() < 0.2 else random_typing(rng, pool)
        out.append({"panel": panel_name, "donor": donor, "recipient": recipient})
    return out


def main() -> None:
    rng = random.Random(358)
    result = {}
    for reference_name, count in (("embedded", 150), ("3.58.0", 150)):
        if reference_name == "embedded":
            reference = embedded()
        elif IMGT_358.exists():
            reference = load_release(IMGT_358)
        else:
            continue
        stored = []
        for case in cases(rng, reference_name, count):
            match = match_donor(
                PANELS[case["panel"]](),
                DonorHLA.from_names("D", case["donor"]),
                reference,
                None if case["recipient"] is None else DonorHLA.from_names("R", case["recipient"]),
            )
            body = as_json(match)
            if reference_name == "embedded":
                case["expected"] = body
            else:
                case["digest"] = digest(body)
            stored.append(case)
        result[reference_name] = stored
    blocks = [
        f" {json.dumps(name)}: [\n"
        + ",\n".join(json.dumps(c, separators=(",", ":")) for c in stored)
        + "\n ]"
        for name, stored in result.items()
    ]
    (HERE / "match_expectations.json").write_text("{\n" + ",\n".join(blocks) + "\n}\n")


if __name__ == "__main__":
    main()
