"""A person's HLA typing: per monitored locus up to two entries, as the lab reported them.

Each entry is an allele, an ambiguity list (``/``), an NMDP/XX code (kept as written; an NMDP
code read with a reference also keeps the alleles the installed code table gives it) or a
serologic antigen, with its resolution. Conventions, stated once:
- A name given once for a locus (or beside a blank ``""``/``"-"``) is read as homozygous: both
  copies are kept and the locus is reported in ``homozygous_loci``. A locus given nothing is blank.
  DRB3, DRB4 and DRB5 are the exception: they are absent from many haplotypes (DR51/52/53 groups),
  so one name there stays one copy and is never read as homozygous.
- Serologic antigens are placed by their prefix: DR51 -> DRB5, DR52 -> DRB3, DR53 -> DRB4, other
  DR -> DRB1, Cw -> C, DQ -> DQB1, DP -> DPB1; DR antigens may be listed under any DRB key.
  Bw4/Bw6, given under A or B, are kept as ``public_epitopes`` and count as no copy.
- From a GL String, phase (``~``) is not kept in the entries, and a genotype list (``|``) becomes
  per-copy unions of its alleles (an ambiguity list when they differ); the source GL String is kept
  and ``to_gl_string()`` gives it back unchanged, so nothing the lab said is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol

from ..errors import InvalidHLAName
from . import glstring
from .loci import LOCUS_ORDER, MONITORED, PREFIX_LOCI, antigen_locus
from .names import AlleleCode, AlleleName, Antigen, HLAName, parse_name

Kind = Literal["allele", "ambiguous", "antigen", "code"]
Resolution = Literal["serologic", "1-field", "2-field", "3-field", "4-field", "code"]
_BLANK = frozenset({"", "-", "--", "—"})
# Genes carried by some DR haplotypes only: one name is one copy, not a homozygous pair.
_HAPLOTYPE_SPECIFIC = frozenset({"DRB3", "DRB4", "DRB5"})


class NameReference(Protocol):
    """What the typing asks of a reference release (provided by ``hla.reference``)."""

    release: str

    def validate(self, name: HLAName) -> None: ...

    def expand_code(self, code: AlleleCode) -> tuple[AlleleName, ...]: ...


@dataclass(frozen=True, slots=True)
class TypingEntry:
    """One reported copy of a locus: its candidates, the kind of report, and its resolution."""

    kind: Kind
    candidates: tuple[HLAName, ...]
    resolution: Resolution
    # An NMDP code's alleles, from the installed code table when the typing was read (kept with
    # the code as written: evaluations read them, never the code table again).
    expansion: tuple[AlleleName, ...] = ()

    @classmethod
    def of(cls, names: Iterable[HLAName], text: str | None = None) -> TypingEntry:
        """Classify candidates: one allele, an ambiguity list of one locus, a code or an antigen."""
        candidates = tuple(dict.fromkeys(names))
        shown = text if text is not None else "/".join(str(n) for n in candidates)
        if not candidates:
            raise InvalidHLAName(shown, "empty typing entry")
        first = candidates[0]
        if len(candidates) > 1:
            for name in candidates:
                if isinstance(name, Antigen):
                    raise InvalidHLAName(
                        shown, "an ambiguity list ('/') holds alleles; serologic antigens go alone"
                    )
                if isinstance(name, AlleleCode):
                    raise InvalidHLAName(
                        shown,
                        "an NMDP code cannot be part of an ambiguity list ('/'); give it alone",
                    )
            alleles = [n for n in candidates if isinstance(n, AlleleName)]  # all of them, now
            loci = sorted({n.locus for n in alleles})
            if len(loci) > 1:
                raise InvalidHLAName(
                    shown, f"an ambiguity list ('/') holds one locus; found {', '.join(loci)}"
                )
            fields = min(n.resolution for n in alleles)
            return cls("ambiguous", candidates, _field_resolution(fields))
        if isinstance(first, Antigen):
            return cls("antigen", candidates, "serologic")
        if isinstance(first, AlleleCode):
            return cls("code", candidates, "code")
        return cls("allele", candidates, _field_resolution(first.resolution))

    @property
    def locus(self) -> str | None:
        """The gene this entry is a copy of (None for the public epitopes Bw4/Bw6)."""
        first = self.candidates[0]
        if isinstance(first, Antigen):
            return antigen_locus(first.prefix, first.number)
        return first.locus

    def __str__(self) -> str:
        return "/".join(str(n) for n in self.candidates)

    def to_gl_string(self) -> str:
        """The entry as a GL String allele list; antigens have no GL String form."""
        if self.kind == "antigen":
            raise InvalidHLAName(
                str(self), "a serologic antigen has no GL String form (GL Strings are allele-level)"
            )
        return "/".join(f"HLA-{n}" for n in self.candidates)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "names": [str(n) for n in self.candidates],
            "resolution": self.resolution,
        }
        if self.expansion:
            data["expansion"] = [str(a) for a in self.expansion]
        return data


def _field_resolution(fields: int) -> Resolution:
    return ("1-field", "2-field", "3-field", "4-field")[min(fields, 4) - 1]


def _locus_key(key: str) -> str:
    locus = key.strip().upper()
    locus = locus[4:] if locus.startswith("HLA-") else locus
    locus = "C" if locus == "CW" else locus
    if locus not in MONITORED:
        raise InvalidHLAName(key, f"not a monitored locus (monitored: {', '.join(LOCUS_ORDER)})")
    return locus


def _entry(item: str | HLAName) -> TypingEntry | None:
    if not isinstance(item, str):
        return TypingEntry.of((item,))
    text = item.strip()
    if text in _BLANK:
        return None
    if "+" in text or "^" in text or "|" in text:
        raise InvalidHLAName(text, "one entry per copy: give the two copies as two list items")
    return TypingEntry.of((parse_name(p) for p in text.split("/")), text)


def _place(entry: TypingEntry, key: str) -> str:
    """The locus an entry given under ``key`` belongs to, or an error naming the mismatch."""
    target = entry.locus
    if target == key:
        return key
    first = entry.candidates[0]
    if isinstance(first, Antigen) and key in PREFIX_LOCI[first.prefix] and target is not None:
        return target  # DR51/52/53 listed with the DR antigens: placed at DRB5/DRB3/DRB4
    belongs = target if target is not None else "no single locus"
    raise InvalidHLAName(str(entry), f"given under locus {key} but belongs to {belongs}")


def _copies(key: str, entries: list[TypingEntry]) -> tuple[TypingEntry, ...]:
    if len(entries) > 2:
        listed = ", ".join(str(e) for e in entries)
        raise InvalidHLAName(key, f"{len(entries)} entries given, at most 2 copies per locus: {listed}")
    if len(entries) == 1 and key not in _HAPLOTYPE_SPECIFIC:
        return (entries[0], entries[0])
    return tuple(entries)


@dataclass(frozen=True)
class HLATyping:
    """A person's typing: monitored locus -> its copies (absent = blank), ordered as LOCUS_ORDER."""

    loci: Mapping[str, tuple[TypingEntry, ...]]
    public_epitopes: tuple[Antigen, ...] = ()
    reference_release: str | None = None
    gl: glstring.GLString | None = None  # the GL String it was read from, kept verbatim (canonical)

    def __post_init__(self) -> None:
        ordered = {locus: tuple(self.loci[locus]) for locus in LOCUS_ORDER if self.loci.get(locus)}
        unknown = set(self.loci) - set(LOCUS_ORDER)
        if unknown:
            locus = sorted(unknown)[0]
            raise InvalidHLAName(locus, f"not a monitored locus (monitored: {', '.join(LOCUS_ORDER)})")
        object.__setattr__(self, "loci", MappingProxyType(ordered))

    def __hash__(self) -> int:
        return hash((tuple(self.loci.items()), self.public_epitopes, self.reference_release, self.gl))

    @classmethod
    def from_loci(
        cls,
        loci: Mapping[str, Iterable[str | HLAName] | str | None],
        reference: NameReference | None = None,
    ) -> HLATyping:
        """Build from a per-locus form: ``{"A": ["A*02:01", "A24"], "DRB1": ["DR15", "DR52"]}``."""
        placed: dict[str, list[TypingEntry]] = {}
        epitopes: list[Antigen] = []
        for key, values in loci.items():
            locus = _locus_key(key)
            if values is None:
                continue
            items = [values] if isinstance(values, str | AlleleName | Antigen | AlleleCode) else values
            for item in items:
                entry = _entry(item)
                if entry is None:
                    continue
                first = entry.candidates[0]
                if isinstance(first, Antigen) and first.is_public_epitope:
                    if locus not in first.loci:
                        raise InvalidHLAName(str(first), f"given under locus {locus}; list it under B")
                    epitopes.append(first)
                    continue
                placed.setdefault(_place(entry, locus), []).append(entry)
        typing = cls(
            {locus: _copies(locus, entries) for locus, entries in placed.items()},
            tuple(dict.fromkeys(epitopes)),
        )
        return typing.validated(reference)

    @classmethod
    def from_gl_string(cls, text: str, reference: NameReference | None = None) -> HLATyping:
        """Build from a GL String (``HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02``)."""
        tree = glstring.parse(text)
        loci: dict[str, tuple[TypingEntry, ...]] = {}
        for genotype_list in tree.genotype_lists:
            for locus in genotype_list.loci:
                if locus not in MONITORED:
                    raise InvalidHLAName(
                        locus, f"not a monitored locus (monitored: {', '.join(LOCUS_ORDER)})"
                    )
                loci[locus] = _gl_copies(locus, genotype_list)
        return cls(loci, gl=tree).validated(reference)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], reference: NameReference | None = None) -> HLATyping:
        """Rebuild a typing from ``to_dict()`` output; re-validated when given a reference."""
        if data.get("source") == "gl_string" and data.get("gl_string"):
            typing = cls.from_gl_string(data["gl_string"], reference)
        else:
            typing = cls.from_loci(loci_form(data), reference)
        if reference is None:
            typing = replace(typing, reference_release=data.get("reference_release"))
        return typing

    def validated(self, reference: NameReference | None) -> HLATyping:
        """Check every name (allele, code, antigen) against a reference, as ``hla lookup`` does,
        and record which release was used."""
        if reference is None:
            return self
        for name in dict.fromkeys((*self._names(None), *self.public_epitopes)):
            reference.validate(name)
        loci = {
            locus: tuple(_expanded(entry, reference) for entry in copies)
            for locus, copies in self.loci.items()
        }
        return replace(self, loci=loci, reference_release=reference.release)

    def entries(self, locus: str) -> tuple[TypingEntry, ...]:
        """The copies of a locus; empty when the locus is blank."""
        return self.loci.get(locus, ())

    def is_homozygous(self, locus: str) -> bool:
        copies = self.entries(locus)
        return len(copies) == 2 and copies[0] == copies[1]

    @property
    def homozygous_loci(self) -> tuple[str, ...]:
        return tuple(locus for locus in self.loci if self.is_homozygous(locus))

    def alleles(self, locus: str | None = None) -> Iterator[AlleleName]:
        """Every allele candidate (each once), of one locus or all."""
        seen: set[AlleleName] = set()
        for name in self._names(locus):
            if isinstance(name, AlleleName) and name not in seen:
                seen.add(name)
                yield name

    def _names(self, locus: str | None) -> Iterator[HLAName]:
        for key, copies in self.loci.items():
            if locus is None or key == locus:
                for entry in copies:
                    yield from entry.candidates

    def to_gl_string(self) -> str:
        """The typing as a canonical GL String ("" when blank); antigens have no GL form."""
        if self.gl is not None:
            return glstring.format(self.gl)
        return "^".join("+".join(entry.to_gl_string() for entry in copies) for copies in self.loci.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; ``from_dict`` reads it back."""
        has_antigens = any(e.kind == "antigen" for copies in self.loci.values() for e in copies)
        return {
            "source": "gl_string" if self.gl is not None else "loci",
            "loci": {locus: [e.to_dict() for e in copies] for locus, copies in self.loci.items()},
            "homozygous": list(self.homozygous_loci),
            "public_epitopes": [str(a) for a in self.public_epitopes],
            "reference_release": self.reference_release,
            "gl_string": None if has_antigens else self.to_gl_string(),
        }


def _expanded(entry: TypingEntry, reference: NameReference) -> TypingEntry:
    """An NMDP code entry with the alleles the reference's code table gives it (``validate``
    has refused the code already when there is no table)."""
    first = entry.candidates[0]
    if entry.kind != "code" or not isinstance(first, AlleleCode) or first.is_xx:
        return entry
    return replace(entry, expansion=tuple(reference.expand_code(first)))


def loci_form(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A stored ``to_dict()`` in the per-locus form ``from_loci`` reads: each copy as its names
    joined by ``/``, Bw4/Bw6 under B (``{"A": ["A*02:01", "A24"], "B": ["B44", "B44", "Bw4"]}``)."""
    form: dict[str, list[str]] = {
        locus: ["/".join(entry["names"]) for entry in entries]
        for locus, entries in (data.get("loci") or {}).items()
    }
    if data.get("public_epitopes"):
        form.setdefault("B", []).extend(data["public_epitopes"])
    return form


def _gl_copies(locus: str, genotype_list: glstring.GenotypeList) -> tuple[TypingEntry, ...]:
    """Per-copy entries of one locus across the genotypes of a genotype list."""
    copies: list[list[HLAName]] = [[], []]
    for genotype in genotype_list.genotypes:
        lists = [h.at(locus) for h in genotype.haplotypes]
        if len(lists) > 2:
            shown = "+".join(str(a) for a in lists)
            raise InvalidHLAName(shown, f"{len(lists)} copies of {locus}; a person has at most 2")
        if len(lists) == 1 and locus not in _HAPLOTYPE_SPECIFIC:
            lists = lists * 2
        for index, allele_list in enumerate(lists):
            if allele_list is not None:
                copies[index].extend(allele_list.alleles)
    return tuple(TypingEntry.of(names) for names in copies if names)
