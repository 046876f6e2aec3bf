"""Control sera in a run file: the vendor's and the lab's own, recognised by their sample names.

A Luminex run holds, beside the day's patients, the kit's negative and positive control sera
(One Lambda names them ``LS-NC 026`` and ``PPS 008 1/2`` in its HAML exports) and the lab's own
controls. They are no patient: an upload says so rather than listing them as unknown patients.
A lab whose controls are named otherwise sets its own pattern on the study (``control_pattern``).
"""

from __future__ import annotations

import re
import warnings

from ..errors import DSAMonitorError

# Each alternative anchored at the start of the name, so that a patient ID merely containing
# "NC" or "PC" is never taken for a control.
_BUILT_IN = re.compile(
    r"""^\s*(?:
        LS\s*[-_]?\s*(?:NC|PC|NCS|PCS)\b           # One Lambda LABScreen control sera (LS-NC 026)
      | PPS\b                                      # One Lambda positive pool serum (PPS 008 1/2)
      | (?:NC|PC|NEG|POS|NEGATIVE|POSITIVE)[\s_.-]*(?:CONTROL|CTRL|CTL)?[\s_.-]*(?:SERUM|SERA)\b
      | (?:NEG|POS|NEGATIVE|POSITIVE)[\s_.-]*(?:CONTROL|CTRL|CTL)\b
      | (?:CONTROL|CTRL)[\s_.-]*(?:SERUM|SERA|NEG|POS|NEGATIVE|POSITIVE)\b
      | (?:NCS|PCS)(?:\b|[\s_-]*\d)                # negative / positive control serum
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def control_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The lab's own control-serum pattern, compiled (searched, case-insensitive); a pattern that
    is no regular expression is refused with the reason, never ignored."""
    if not pattern:
        return None
    try:
        with warnings.catch_warnings():
            # Python warns of what it will read another way ("[[:digit:]]" is no POSIX class here):
            # a pattern that does not say what its author meant is refused, not guessed at.
            warnings.simplefilter("error", FutureWarning)
            return re.compile(pattern, re.IGNORECASE)
    except (re.error, FutureWarning) as error:
        raise DSAMonitorError(
            f"control serum pattern {pattern!r} is not a regular expression: {error}", pattern=pattern
        ) from None


def is_control_serum(names: tuple[str | None, ...], extra: re.Pattern[str] | None = None) -> bool:
    """Whether a sample named so (its sample ID, patient ID) is a control serum."""
    for name in names:
        if not name or not name.strip():
            continue
        if _BUILT_IN.match(name) or (extra is not None and extra.search(name)):
            return True
    return False
