"""Reference data lookups: allele -> serologic antigen, broad/split, associated antigens, Bw4/Bw6.

One interface for an IPD-IMGT/HLA release (WMDA files, parsed by ``wmda.py``) and for the
embedded default written by the project (``hla_data/``). Pure: texts in, answers out; the
reading of files lives in ``dsa_monitor.reference``. ``validate`` is the one rule for which names
exist (alleles and codes: ``allele_list``; antigens: the release's), used by typings and
``hla lookup`` alike.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterable

from ..errors import InvalidHLAName
from . import nmdp, wmda
from .allele_list import EMBEDDED_GROUP_GENES, AlleleList, EmbeddedAlleles
from .antigens import (
    AntigenRelations,
    group_antigens,
    parse_antigen_table,
    relations_from_ser_ser,
)
from .loci import DR_SUPERTYPIC
from .names import AlleleCode, AlleleName, Antigen, HLAName, parse_allele, parse_antigen
from .serology import (
    KINDS,
    NO_SEROLOGY,
    NULL,
    SerologyAssignment,
    assignments,
    group_assignments,
    serologic_prefix,
)

EMBEDDED = "embedded"
__all__ = ["KINDS", "NO_SEROLOGY", "NULL", "ReferenceData", "SerologyAssignment"]


def _first_field_antigen(locus: str, first: str, known: set[Antigen]) -> Antigen | None:
    """The antigen a 1st field names (``B*51`` -> B51; DRB3/4/5 -> DR52/53/51), if it exists."""
    if locus in DR_SUPERTYPIC:
        return Antigen("DR", DR_SUPERTYPIC[locus])
    prefix = serologic_prefix(locus)
    if prefix is None or not first.isdigit():
        return None
    candidate = Antigen(prefix, str(int(first)))
    return candidate if candidate in known else None


class ReferenceData:
    """Serology lookups for one release (or the embedded default); every answer is cached."""

    def __init__(
        self,
        *,
        release: str,
        source: str,
        is_embedded: bool,
        alleles: dict[str, SerologyAssignment],
        relations: AntigenRelations,
        allele_list: AlleleList | None = None,
        validation: str = "",
    ) -> None:
        self.release = release
        self.source = source
        self.is_embedded = is_embedded
        self.relations = relations
        self.validation = validation
        self._alleles = alleles
        self._existence: AlleleList | EmbeddedAlleles = allele_list or EmbeddedAlleles(
            {name: assignment.antigen for name, assignment in alleles.items()},
            group_antigens(relations),
        )
        self._groups: dict[str, SerologyAssignment] = {} if is_embedded else group_assignments(alleles)
        self._cache: dict[AlleleName, SerologyAssignment] = {}
        self.codes: nmdp.NMDPCodeTable | None = None  # the installed NMDP code table, if any

    def with_codes(self, codes: nmdp.NMDPCodeTable | None) -> ReferenceData:
        """This reference with an NMDP code table: a shallow copy sharing every lookup, so the
        cached release is not changed when the table is installed or replaced."""
        if codes is self.codes:
            return self
        other = copy.copy(self)
        other.codes = codes
        return other

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def from_wmda(
        cls,
        rel_dna_ser: str,
        rel_ser_ser: str,
        allelelist: str | None = None,
        *,
        release: str | None = None,
        source: str = "",
        epitopes: dict[Antigen, str] | None = None,
    ) -> ReferenceData:
        """A release from its WMDA file texts; Bw4/Bw6 come from ``epitopes`` (not in WMDA)."""
        records = wmda.parse_rel_dna_ser(rel_dna_ser)
        relations = relations_from_ser_ser(wmda.parse_rel_ser_ser(rel_ser_ser))
        relations.epitope.update(epitopes or {})
        alleles, antigens = assignments(records)
        relations.known.update(antigens)
        if allelelist is not None:
            names: Iterable[str] = wmda.parse_allelelist(allelelist)
            validation = "Allelelist.txt"
        else:
            names = alleles.keys()
            validation = "rel_dna_ser.txt"
        release = release or wmda.release_version(rel_dna_ser) or "unknown"
        return cls(
            release=release,
            source=source,
            is_embedded=False,
            alleles=alleles,
            relations=relations,
            allele_list=AlleleList(names, release),
            validation=validation,
        )

    @classmethod
    def from_embedded_tables(cls, allele_csv: str, antigen_csv: str, *, source: str) -> ReferenceData:
        """The project's default (``hla_data/``): SAB-panel alleles plus the first-field rule."""
        relations = parse_antigen_table(antigen_csv)
        alleles: dict[str, SerologyAssignment] = {}
        for row in csv.DictReader(io.StringIO(allele_csv)):
            name = parse_allele(row["allele"])
            text = row["antigen"].strip()
            antigen = parse_antigen(text) if text else None
            if antigen is not None:
                relations.known.add(antigen)
            alleles[str(name)] = SerologyAssignment(antigen, "embedded" if antigen else "none")
        return cls(
            release=EMBEDDED,
            source=source,
            is_embedded=True,
            alleles=alleles,
            relations=relations,
            validation="syntax, monitored gene, allele group of "
            + ", ".join(EMBEDDED_GROUP_GENES)
            + "; suffixes on listed alleles",
        )

    # --- validation: one rule for typings and `hla lookup` ------------------------------------
    @property
    def label(self) -> str:
        """How messages name this reference: ``IPD-IMGT/HLA 3.58.0`` or the embedded data."""
        return "the embedded reference data" if self.is_embedded else f"IPD-IMGT/HLA {self.release}"

    def validate(self, name: HLAName) -> None:
        """Raise InvalidHLAName unless an allele, antigen or code is valid in this reference."""
        if isinstance(name, Antigen):
            self.validate_antigen(name)
        elif isinstance(name, AlleleCode):
            self.validate_code(name)
        else:
            self.validate_allele(name)

    def validate_allele(self, name: AlleleName) -> None:
        """Raise InvalidHLAName unless the allele exists (see ``allele_list`` for the rules)."""
        self._existence.check(name)

    def validate_antigen(self, antigen: Antigen) -> None:
        """Raise InvalidHLAName unless the antigen is a serologic antigen here (or Bw4/Bw6)."""
        if self.is_known_antigen(antigen):
            return
        reason = f"no such serologic antigen in {self.label}"
        if antigen.prefix == "DP" and not any(a.prefix == "DP" for a in self.relations.known):
            reason += ", which has no DP antigen (DPw1-6 were cellular types): give DPB1 alleles"
        raise InvalidHLAName(str(antigen), reason)

    def validate_code(self, code: AlleleCode) -> None:
        """Raise InvalidHLAName unless the code's allele group exists and, for an NMDP code, the
        installed code table expands it to alleles of this reference. ``XX`` stands for its
        allele group; an NMDP code is never cut to its group (without the table it is refused,
        the message saying how to install it)."""
        try:
            self._existence.check(AlleleName(code.locus, (code.group,)))
        except InvalidHLAName as error:
            raise InvalidHLAName(str(code), error.reason) from None
        if not code.is_xx:
            self.expand_code(code)

    def expand_code(self, code: AlleleCode) -> tuple[AlleleName, ...]:
        """The alleles an NMDP code stands for (``A*02:AB`` -> A*02:01, A*02:02), each checked
        against this reference; ``()`` for an XX code (its allele group is its meaning)."""
        if code.is_xx:
            return ()
        alleles = tuple(nmdp.expand(code, self.codes))
        for allele in alleles:
            try:
                self.validate_allele(allele)
            except InvalidHLAName as error:
                raise InvalidHLAName(
                    str(code), f"expands to {allele}, which is refused: {error.reason}"
                ) from None
        return alleles

    # --- lookups ----------------------------------------------------------------------------

    def serology(self, name: AlleleName) -> SerologyAssignment:
        """The serologic equivalent of an allele at any resolution (validated first)."""
        found = self._cache.get(name)
        if found is None:
            self.validate_allele(name)
            found = self._embedded_serology(name) if self.is_embedded else self._release_serology(name)
            self._cache[name] = found
        return found

    def broad_of(self, antigen: Antigen) -> Antigen | None:
        """The broad of a split (A24 -> A9); of an associated antigen, that of its parent."""
        relations = self.relations
        broad = relations.broad.get(antigen)
        if broad is not None:
            return broad
        parent = relations.parent.get(antigen)
        if parent is None:
            return None
        return relations.broad.get(parent) or (parent if parent in relations.splits else None)

    def splits_of(self, antigen: Antigen) -> tuple[Antigen, ...]:
        return self.relations.splits.get(antigen, ())

    def parent_of_associated(self, antigen: Antigen) -> Antigen | None:
        """The antigen an associated antigen is a variant of (A203 -> A2, B4005 -> B21)."""
        return self.relations.parent.get(antigen)

    def public_epitope(self, item: Antigen | AlleleName) -> str | None:
        """``"Bw4"``, ``"Bw6"`` or None, per the project's antigen table (WMDA files do not say)."""
        antigen = self.serology(item).antigen if isinstance(item, AlleleName) else item
        if antigen is None:
            return None
        if antigen.prefix == "Bw":
            return str(antigen)
        return self.relations.epitope.get(antigen)

    def is_known_antigen(self, antigen: Antigen) -> bool:
        return antigen in self.relations.known or antigen.prefix == "Bw"

    def describe(self) -> dict:
        """What the service runs on, for ``GET /api/v1/health`` and ``reference list``."""
        described = {
            "release": self.release,
            "source": self.source,
            "embedded": self.is_embedded,
            "alleles": len(self._alleles),
            "antigens": len(self.relations.known),
            "validation": self.validation,
            "nmdp_codes": (
                {"codes": len(self.codes), "updated": self.codes.updated}
                if self.codes
                else f"not installed (`{nmdp.INSTALL_COMMAND}`)"
            ),
        }
        if self.is_embedded:
            described["warning"] = (
                "running on the embedded default serology table written by the project "
                "(common single-antigen bead alleles + first-field rule); install an "
                "IPD-IMGT/HLA release with `dsa-monitor reference install` for clinical use"
            )
        return described

    # --- internals --------------------------------------------------------------------------
    def _release_serology(self, name: AlleleName) -> SerologyAssignment:
        if not name.expressed:
            return NULL
        key = str(name)
        found = self._alleles.get(key) or self._groups.get(key)
        if found is not None:
            return found
        if name.resolution == 1:
            antigen = _first_field_antigen(name.locus, name.fields[0], self.relations.known)
            return SerologyAssignment(antigen, "group") if antigen else NO_SEROLOGY
        return NO_SEROLOGY

    def _embedded_serology(self, name: AlleleName) -> SerologyAssignment:
        if not name.expressed:
            return NULL
        if name.resolution >= 2:  # expression variants (L, S, Q...) keep their antigen
            found = self._alleles.get(f"{name.locus}*{name.fields[0]}:{name.fields[1]}")
            if found is not None:
                return found
        antigen = _first_field_antigen(name.locus, name.fields[0], self.relations.known)
        if antigen is None:
            return NO_SEROLOGY
        return SerologyAssignment(antigen, "group" if name.resolution == 1 else "first_field")
