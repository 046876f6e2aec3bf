"""Eplet tables read as boolean matrices: per locus group, alleles × eplets, with flags per eplet.

Why matrices: a load is "donor eplets the recipient lacks", i.e. ``donor & ~recipient`` over
rows of this matrix, which numpy does for thousands of pairs in one pass.

The layout is hlaR's (LarsenLab/hlaR ``inst/extdata/ref/``, MIT licence, HLAMatchmaker v2/v3):
columns ``index,type,<allele...>``; each row is one eplet position, each cell the eplet that
allele carries there (empty when none). Three files per version: class I (A, B, C), class II
beta (DRB1/3/4/5, DQB1, DPB1) and class II alpha (DQA1, DPA1). What differs between the files,
and how it is read:
- ``type`` is spelled ``AbV``/``Abv`` (antibody-verified), ``oth``/``Oth``/``other`` (other),
  ``AbInt`` (antibody-verified interlocus), ``oth Int`` (other interlocus), ``blank`` (an empty
  row); any other spelling is refused, naming the row.
- some files quote every cell, some none; cells are stripped (one v3 cell is a lone space).
- an allele listed twice (``B*39:02``, ``DPB1*138:01`` in v3) is kept once when both columns
  agree, refused when they differ.
- a cell that is not an eplet name (one ``*`` in MHC_II_eplet_B_v2) is skipped and said in
  ``EpletTable.notes``; names are kept exactly as written (``1C`` and ``1c`` are two eplets).
- an eplet is identified by its locus group and name: ``57D`` on DPB1 is not ``57D`` on DRB1.
  The same name on two rows of one group is one eplet, antibody-verified when any row says so
  (``26G`` and ``70ED`` on DQB1 in v2), said in the notes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from ..errors import ReferenceDataError

# Locus groups, in the order results are shown; the class of each.
GROUPS: tuple[str, ...] = ("ABC", "DR", "DQ", "DP")
GROUP_CLASS: Mapping[str, str] = MappingProxyType({"ABC": "I", "DR": "II", "DQ": "II", "DP": "II"})
LOCUS_GROUP: Mapping[str, str] = MappingProxyType(
    {
        "A": "ABC",
        "B": "ABC",
        "C": "ABC",
        "DRB1": "DR",
        "DRB3": "DR",
        "DRB4": "DR",
        "DRB5": "DR",
        "DQA1": "DQ",
        "DQB1": "DQ",
        "DPA1": "DP",
        "DPB1": "DP",
    }
)
# The three files of a version (``{version}`` is e.g. ``v3``), and the chain their alleles are.
FILES: tuple[tuple[str, str], ...] = (
    ("MHC_I_eplet_{version}.csv", "alpha"),
    ("MHC_II_eplet_B_{version}.csv", "beta"),
    ("MHC_II_eplet_A_{version}.csv", "alpha"),
)
_TYPES = {
    "abv": (True, False),
    "oth": (False, False),
    "other": (False, False),
    "abint": (True, True),
    "oth int": (False, True),
}
_EPLET = re.compile(r"^[a-z]*\d+[A-Za-z0-9/]*$")
_ALLELE = re.compile(r"^([A-Z]+[0-9]?)\*\d+:\d+[A-Z]?$")


@dataclass(frozen=True, eq=False)
class GroupTable:
    """One locus group's eplets: which allele carries which, and what each eplet is."""

    group: str
    alleles: tuple[str, ...]  # 2-field names as the table writes them
    eplets: tuple[str, ...]
    chains: tuple[str, ...]  # per eplet: "alpha" or "beta" (class I heavy chains: "alpha")
    verified: npt.NDArray[np.bool_]  # per eplet: antibody-verified
    interlocus: npt.NDArray[np.bool_]  # per eplet: an interlocus eplet (v3 AbInt / oth Int)
    carries: npt.NDArray[np.bool_]  # alleles × eplets

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {a: i for i, a in enumerate(self.alleles)})
        # Bit sets for the bulk path (``load``): 8 eplets a byte, one spare all-zero row that
        # an absent allele (-1) points at.
        padded = np.vstack([self.carries, np.zeros((1, len(self.eplets)), dtype=bool)])
        object.__setattr__(self, "packed", np.packbits(padded, axis=1))
        object.__setattr__(self, "packed_verified", np.packbits(self.verified))

    packed: npt.NDArray[np.uint8] = field(init=False, repr=False)
    packed_verified: npt.NDArray[np.uint8] = field(init=False, repr=False)

    def allele_index(self, allele: str) -> int | None:
        """Row of an allele (2-field name), None when the table does not list it."""
        return self._index.get(allele)  # type: ignore[attr-defined]

    def eplets_of(self, mask: npt.NDArray[np.bool_]) -> tuple[str, ...]:
        return tuple(e for e, on in zip(self.eplets, mask, strict=True) if on)


@dataclass(frozen=True, eq=False)
class EpletTable:
    """One installed version of the eplet tables: its locus groups and what reading them noted."""

    version: str
    groups: Mapping[str, GroupTable]
    notes: tuple[str, ...] = ()
    source: str = ""

    def group_of(self, locus: str) -> GroupTable | None:
        name = LOCUS_GROUP.get(locus)
        return self.groups.get(name) if name else None

    def describe(self) -> dict:
        return {
            "version": self.version,
            "source": self.source,
            "groups": {
                g: {
                    "alleles": len(t.alleles),
                    "eplets": len(t.eplets),
                    "antibody_verified": int(t.verified.sum()),
                }
                for g, t in self.groups.items()
            },
            "notes": list(self.notes),
        }


@dataclass
class _Columns:
    """Eplets of one group as read so far (before they become arrays)."""

    alleles: dict[str, set[int]]
    eplets: dict[str, int]
    chains: list[str]
    verified: list[bool]
    interlocus: list[bool]


def read_tables(texts: Mapping[str, str], version: str, *, source: str = "") -> EpletTable:
    """The three files of a version (file name -> text, names as in ``FILES``) as one table."""
    groups: dict[str, _Columns] = {}
    notes: list[str] = []
    for pattern, chain in FILES:
        name = pattern.format(version=version)
        if name not in texts:
            raise ReferenceDataError(f"eplet table {name} is missing")
        _read_file(texts[name], name, chain, groups, notes)
    built = {g: _group_table(g, groups[g]) for g in GROUPS if g in groups}
    return EpletTable(version, MappingProxyType(built), tuple(notes), source)


def _read_file(text: str, name: str, chain: str, groups: dict[str, _Columns], notes: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["index", "type"]:
        raise ReferenceDataError(f"{name}: the first line must start with index,type")
    header = [c.strip() for c in rows[0]]
    columns = _allele_columns(header, name)
    group_of = {
        i: groups.setdefault(LOCUS_GROUP[header[i].split("*")[0]], _Columns({}, {}, [], [], []))
        for i in columns
    }
    cells: dict[int, set[int]] = {i: set() for i in columns}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        kind = row[1].strip().lower() if len(row) > 1 else ""
        if kind == "blank":
            continue
        if kind not in _TYPES:
            raise ReferenceDataError(f"{name} line {number}: unknown eplet type {row[1]!r}")
        verified, interlocus = _TYPES[kind]
        for i in columns:
            value = row[i].strip() if i < len(row) else ""
            if not value:
                continue
            if not _EPLET.match(value):
                notes.append(f"{name} line {number}: {header[i]} cell {value!r} is no eplet name, skipped")
                continue
            cells[i].add(_eplet_column(group_of[i], value, verified, interlocus, chain, name, notes))
    for i, carried in cells.items():
        allele, alleles = header[i], group_of[i].alleles
        if allele in alleles and alleles[allele] != carried:
            raise ReferenceDataError(f"{name}: {allele} is listed twice with different eplets")
        alleles[allele] = carried


def _allele_columns(header: list[str], name: str) -> list[int]:
    columns = []
    for i, allele in enumerate(header[2:], start=2):
        match = _ALLELE.match(allele)
        if not match or match.group(1) not in LOCUS_GROUP:
            raise ReferenceDataError(f"{name}: column {i + 1} {allele!r} is no monitored allele")
        columns.append(i)
    return columns


def _eplet_column(
    columns: _Columns, eplet: str, verified: bool, interlocus: bool, chain: str, name: str, notes: list[str]
) -> int:
    index = columns.eplets.get(eplet)
    if index is None:
        columns.eplets[eplet] = len(columns.chains)
        columns.chains.append(chain)
        columns.verified.append(verified)
        columns.interlocus.append(interlocus)
        return len(columns.chains) - 1
    if columns.verified[index] != verified:
        note = f"{name}: eplet {eplet} is typed both antibody-verified and other: antibody-verified"
        if note not in notes:
            notes.append(note)
        columns.verified[index] = True
    return index


def _group_table(group: str, columns: _Columns) -> GroupTable:
    alleles = tuple(columns.alleles)
    carries = np.zeros((len(alleles), len(columns.eplets)), dtype=bool)
    for row, carried in enumerate(columns.alleles.values()):
        carries[row, sorted(carried)] = True
    return GroupTable(
        group,
        alleles,
        tuple(columns.eplets),
        tuple(columns.chains),
        np.array(columns.verified, dtype=bool),
        np.array(columns.interlocus, dtype=bool),
        carries,
    )
