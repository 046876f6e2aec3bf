"""Which allele names exist: in a release's allele list, or as far as the embedded tables can tell.

WHO nomenclature: an expression suffix belongs to the allele it names. A shortened name (fewer
fields than the alleles under it) carries a suffix only when every allele under it carries that same
suffix: ``A*24:09N`` (its one allele is null) is a name, ``B*07:02N`` is not (only
``B*07:02:01:126N`` of the B*07:02 alleles is null; accepting it would make B7 no DSA target).

An allele group (the 1st field, ``A*02``) is checked here too: NMDP and XX codes are checked on
their group (``A*99:XX`` is refused), since their letters need the NMDP code table.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InvalidHLAName
from .loci import MONITORED, antigen_locus
from .names import AlleleName, Antigen

# What each WHO expression suffix says of the allele (hla.alleles.org, nomenclature).
SUFFIX_MEANING = {
    "N": "null",
    "L": "low-expressed",
    "S": "secreted",
    "C": "cytoplasmic",
    "A": "aberrantly expressed",
    "Q": "of questionable expression",
}
_LISTED = 3  # alleles named in a message before "and N more"

# Genes whose allele groups the embedded tables know: groups of the table's alleles, and 1st fields
# naming an antigen that is no broad, split or associated antigen (B*83 -> B83). DRB3/4/5, DQA1,
# DPA1 and DPB1 (one group per protein, over 1,700) cannot be checked without a release.
EMBEDDED_GROUP_GENES = ("A", "B", "C", "DRB1", "DQB1")


def _split(allele: str) -> tuple[str, list[str], str]:
    """``B*07:02:01:126N`` -> (``B``, [07, 02, 01, 126], ``N``)."""
    locus, _, rest = allele.partition("*")
    suffix = rest[-1] if rest and rest[-1].isalpha() else ""
    return locus, (rest[:-1] if suffix else rest).split(":"), suffix


def _listing(alleles: list[str]) -> str:
    shown = ", ".join(alleles[:_LISTED])
    more = len(alleles) - _LISTED
    return f"{shown} and {more} more" if more > 0 else shown


class AlleleList:
    """The alleles of one release and the shorter names that stand for them.

    Valid: every full name; its 1st field (the group); each shortened name without suffix that has
    an allele without suffix under it; each shortened name with the suffix all its alleles share.
    """

    def __init__(self, names: Iterable[str], release: str) -> None:
        self.release = release
        valid: set[str] = set()
        plain: set[str] = set()  # shortened names with an allele without suffix under them
        suffixed: dict[str, list[str]] = {}  # shortened name -> its alleles with a suffix
        for allele in names:
            valid.add(allele)
            locus, fields, suffix = _split(allele)
            valid.add(f"{locus}*{fields[0]}")
            for n in range(2, len(fields)):
                short = f"{locus}*{':'.join(fields[:n])}"
                if suffix:
                    suffixed.setdefault(short, []).append(allele)
                else:
                    plain.add(short)
        valid |= plain
        for short, alleles in suffixed.items():
            suffixes = {a[-1] for a in alleles}
            if short not in plain and len(suffixes) == 1:
                valid.add(short + suffixes.pop())
        self._valid = frozenset(valid)
        self._suffixed = {short: tuple(alleles) for short, alleles in suffixed.items()}

    def __contains__(self, name: object) -> bool:
        return str(name) in self._valid

    def check(self, name: AlleleName) -> None:
        """Raise InvalidHLAName unless the name is valid here, saying which names are."""
        text = str(name)
        if text in self._valid:
            return
        where = f"IPD-IMGT/HLA {self.release}"
        if name.resolution == 1:
            raise InvalidHLAName(text, f"no allele group {text} in {where}")
        why = self._suffix_story(name) if name.suffix else None
        raise InvalidHLAName(text, why or f"no such allele in {where}")

    def _suffix_story(self, name: AlleleName) -> str | None:
        """Why a suffixed name is not valid, told from the alleles under its unsuffixed name."""
        base = str(AlleleName(name.locus, name.fields))
        word = SUFFIX_MEANING[name.suffix]
        carriers = [a for a in self._suffixed.get(base, ()) if a.endswith(name.suffix)]
        if len(carriers) == 1:
            return f"{self._describe(base, name.suffix)}; only {carriers[0]} is {word}: give its full name"
        if carriers:
            return (
                f"{self._describe(base, name.suffix)}; only {_listing(carriers)} are {word}: "
                "give the full name of the one meant"
            )
        missing = f"no such allele in IPD-IMGT/HLA {self.release}"
        written = [base + s for s in SUFFIX_MEANING if base + s in self._valid]
        if len(written) == 1:  # A*24:09L, where A*24:09N is the name
            return f"{missing}: {base} is {SUFFIX_MEANING[written[0][-1]]}: write {written[0]}"
        if base in self._valid:
            return f"{missing}: {self._describe(base, name.suffix)}; none is {word}"
        return None

    def _describe(self, base: str, suffix: str) -> str:
        others = sorted({a[-1] for a in self._suffixed.get(base, ())} - {suffix})
        if base not in self._valid:
            return f"the other {base} alleles carry {', '.join(others)}"
        some = f" (some carry {', '.join(others)})" if others else ""
        return f"the {base} alleles are expressed{some}"

    def has_group(self, locus: str, group: str) -> bool:
        return f"{locus}*{group}" in self._valid


class EmbeddedAlleles:
    """What the embedded tables can tell of an allele name, without a release's allele list.

    - The gene must be monitored, and for ``EMBEDDED_GROUP_GENES`` the group known: ``A*99:01``
      is refused. ``group_antigens``: the antigens a whole allele group is named after.
    - A suffix on a table allele (listed as expressed) is refused where it cannot be the allele's
      own: at 2 fields (``B*07:02N``), and ``N`` at 3 fields (``B*07:02:01N``), which could be a
      shortened name and would make expressed alleles null. Other suffixed names are kept as given:
      without a release they cannot be checked.
    """

    def __init__(self, listed: dict[str, Antigen | None], group_antigens: set[Antigen]) -> None:
        self._listed = listed  # 2-field table alleles -> their antigen
        self._group_antigens = group_antigens
        self._groups = {(locus, fields[0]) for locus, fields, _ in map(_split, listed)}

    def check(self, name: AlleleName) -> None:
        text = str(name)
        if name.locus not in MONITORED:
            raise InvalidHLAName(
                text,
                f"gene {name.locus} is not monitored (the embedded reference data cannot check "
                "other genes; install an IPD-IMGT/HLA release)",
            )
        if not self.has_group(name.locus, name.group):
            raise InvalidHLAName(
                text,
                f"no allele group {name.locus}*{name.group} in the embedded reference data "
                "(install an IPD-IMGT/HLA release to check newer groups)",
            )
        base = f"{name.locus}*{':'.join(name.fields[:2])}"
        if (
            name.suffix
            and base in self._listed
            and (name.resolution == 2 or (name.resolution == 3 and name.suffix == "N"))
        ):
            antigen = self._listed[base]
            raise InvalidHLAName(
                text,
                f"the embedded reference data lists {base} as expressed"
                f"{f' ({antigen})' if antigen else ''}; only a longer allele under it can be "
                f"{SUFFIX_MEANING[name.suffix]}: give its full name (checked only with an "
                "IPD-IMGT/HLA release)",
            )

    def has_group(self, locus: str, group: str) -> bool:
        if locus not in EMBEDDED_GROUP_GENES or (locus, group) in self._groups:
            return True
        prefix = MONITORED[locus].serologic_prefix
        if prefix is None:
            return False
        antigen = Antigen(prefix, str(int(group)))
        return antigen in self._group_antigens and antigen_locus(prefix, antigen.number) == locus
