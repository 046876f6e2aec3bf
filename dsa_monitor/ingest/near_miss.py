"""Sample IDs that are nearly an enrolled lab ID: a typo must never hide a recipient's serum.

An upload stores only the samples of enrolled recipients; a sample named ``P-071`` where the
recipient is enrolled as ``P-017`` would otherwise be skipped in silence, and a DSA with it. Two
names are near when one edit (insert, delete or replace one character) turns one into the other,
or when they are equal once case, spaces and punctuation are ignored (``p 17`` and ``P-17``).

Lookups go through a one-deletion index, so a file of a hundred samples against tens of
thousands of lab IDs costs a few dictionary lookups per sample, not a comparison per pair.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

_PUNCTUATION = re.compile(r"[\W_]+")


def folded(name: str) -> str:
    """The name without case, spaces or punctuation."""
    return _PUNCTUATION.sub("", name).casefold()


def _deletions(name: str) -> Iterable[tuple[int, str]]:
    for i in range(len(name)):
        yield i, name[:i] + name[i + 1 :]


class NearMisses:
    """The enrolled names, indexed to find those one edit or one folding away from a name."""

    def __init__(self, names: Iterable[str]) -> None:
        self._exact: set[str] = set()
        self._folded: dict[str, set[str]] = defaultdict(set)
        self._shorter: dict[str, set[str]] = defaultdict(set)  # name minus one char -> names
        self._replaced: dict[tuple[int, str], set[str]] = defaultdict(set)
        for name in names:
            self._exact.add(name)
            self._folded[folded(name)].add(name)
            for position, rest in _deletions(name):
                self._shorter[rest].add(name)
                self._replaced[(position, rest)].add(name)

    def near(self, name: str) -> list[str]:
        """Enrolled names near ``name`` (never ``name`` itself), sorted."""
        found: set[str] = set(self._folded.get(folded(name), ()))
        found |= self._shorter.get(name, set())  # one character inserted in the file's name...
        for position, rest in _deletions(name):
            if rest in self._exact:  # ...or one more character than an enrolled name
                found.add(rest)
            found |= self._replaced.get((position, rest), set())  # one character replaced
        found.discard(name)
        return sorted(found)
