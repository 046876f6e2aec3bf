"""Every allele of A, B, C, DRB1, DRB3/4/5 and DQB1 in IPD-IMGT/HLA 3.58.0: lookup == the file."""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, need_shared

from dsa_monitor.hla.antigens import antigen_of
from dsa_monitor.hla.names import parse_allele
from dsa_monitor.reference.service import load_release

LOCI = {
    "A": "A",
    "B": "B",
    "C": "Cw",
    "DRB1": "DR",
    "DRB3": "DR",
    "DRB4": "DR",
    "DRB5": "DR",
    "DQB1": "DQ",
}


def _expected(prefix: str, fields: list[str]):
    """What the file says, read independently of the loader: (antigen, possible, expressed).

    The name's suffix decides expression: an L, S, C, A or Q allele is expressed, so its "0"
    codes (Q alleles are listed as ``0/2``, ``0/?``) are left out and the rest is read.
    """
    unambiguous, possible, assumed, expert = fields[2], fields[3], fields[4], fields[5]
    if fields[1][-1] in "LSCAQ":

        def drop(column: str) -> str:
            kept = [c for c in column.split("/") if c and c != "0"]
            return "/".join(kept) or ("?" if column else "")

        unambiguous = "" if unambiguous == "0" else unambiguous
        possible, assumed, expert = drop(possible), drop(assumed), drop(expert)
        if not (unambiguous or possible or assumed) and expert not in ("", "?"):
            antigens = tuple(str(antigen_of(prefix, c)) for c in expert.split("/"))
            return (antigens[0] if len(antigens) == 1 else None), antigens, True
    if unambiguous == "0":
        return None, (), False
    if unambiguous and unambiguous != "?":
        return str(antigen_of(prefix, unambiguous)), (), True
    for column in (possible, assumed):
        if column:
            codes = [c for c in column.split("/") if c not in ("0", "?")]
            antigens = tuple(str(antigen_of(prefix, c)) for c in codes)
            return (
                (antigens[0] if len(antigens) == 1 else None),
                antigens,
                bool(codes) or "0" not in column,
            )
    return None, (), True


def test_every_allele_matches_the_file():
    directory = need_shared(IMGT_358)
    reference = load_release(directory)
    checked = mismatches = 0
    examples = []
    for line in (directory / "rel_dna_ser.txt").read_text().splitlines():
        if line.startswith("#"):
            continue
        fields = line.split(";")
        locus = fields[0].rstrip("*")
        if locus not in LOCI:
            continue
        name = parse_allele(fields[0] + fields[1])
        antigen, possible, expressed = _expected(LOCI[locus], fields)
        if not name.expressed:
            expressed = False
            antigen, possible = None, ()
        found = reference.serology(name)
        got = (
            str(found.antigen) if found.antigen else None,
            tuple(str(a) for a in found.possible),
            found.expressed,
        )
        checked += 1
        if got != (antigen, possible, expressed):
            mismatches += 1
            examples.append((str(name), got, (antigen, possible, expressed)))
    assert checked > 30000
    assert mismatches == 0, examples[:10]


@pytest.mark.parametrize("locus", ["A", "B", "C", "DRB1", "DQB1"])
def test_two_field_names_take_the_agreed_serology(locus):
    """A 2-field name whose longer alleles agree gets their antigen; never a G-group union."""
    directory = need_shared(IMGT_358)
    reference = load_release(directory)
    by_two: dict[str, set] = {}
    for line in (directory / "rel_dna_ser.txt").read_text().splitlines():
        if not line.startswith(locus + "*;"):
            continue
        fields = line.split(";")
        name = parse_allele(fields[0] + fields[1])
        if name.resolution > 2 and name.expressed and fields[2] not in ("", "?", "0"):
            by_two.setdefault(name.two_field, set()).add(str(antigen_of(LOCI[locus], fields[2])))
    agreed = {two: antigens.pop() for two, antigens in by_two.items() if len(antigens) == 1}
    assert agreed
    for two, antigen in agreed.items():
        found = reference.serology(parse_allele(two))
        if found.kind == "unambiguous":
            assert str(found.antigen) == antigen, two
