"""The API's text rules written as OpenAPI patterns, so that a request the document calls valid is
one the validators accept (schemathesis checks both ways: tests/api/test_fuzz.py).

The validators stay the rule (``schemas._visible``, ``_no_blank_ends``, the subscription address,
``sab.dates.date_format_of``); each pattern here says the same in a regex that Python and
ECMA-262 read alike: explicit character classes, no ``\\s`` or ``\\p{...}`` (whose meaning differs
between flavours), BMP characters as ``\\uXXXX``, the few characters past the BMP written as
themselves. tests/api/test_openapi_patterns.py holds each pattern to its validator character by
character, so a Python whose Unicode tables move (new format characters) fails there first.
"""

from __future__ import annotations

import itertools

# The end of the text: Python's ``$`` also matches before a final line break, ECMA's does not;
# "no character follows" means the same in both.
END = r"(?![\s\S])"

# Category Cc, Cf, Zl or Zp in Unicode 14.0 (Python 3.11): what ``schemas._visible`` refuses.
HIDDEN = (
    r"\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2"
    r"\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
# The blanks ``str.strip`` removes that are not hidden already (category Zs).
BLANK = r"\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000"
# Every character ``str.isspace`` (and so Python's ``\s``) calls white space.
WHITE = r"\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"

# A code people type: visible characters only, no blank at either end.
VISIBLE_TEXT = f"^[^{HIDDEN}{BLANK}](?:[^{HIDDEN}]*[^{HIDDEN}{BLANK}])?{END}"
VISIBLE_TEXT_RULE = (
    "no control, format or line-separator character (U+0000-U+001F,"
    " U+007F-U+009F, zero-width and direction marks...), no blank at either end"
)

# ``alerts.subscriptions._ADDRESS`` after ``strip()``: one address, no display name.
_ADDRESS_PART = f"[^@<>,;{WHITE}]+"
EMAIL = f"^[{WHITE}]*{_ADDRESS_PART}@{_ADDRESS_PART}\\.{_ADDRESS_PART}[{WHITE}]*{END}"


def _any_case(part: str) -> str:
    return "".join(f"[{c}{c.lower()}]" for c in part)


# ``sab.dates.date_format_of``: DD, MM and YYYY in any order, one of / - . between, any case.
DATE_LAYOUT = "^[{w}]*(?:{layouts})[{w}]*{end}".format(
    w=WHITE,
    end=END,
    layouts="|".join(
        separator.join(_any_case(part) for part in order)
        for order in itertools.permutations(("DD", "MM", "YYYY"))
        for separator in ("/", "-", r"\.")
    ),
)

# A date from 1900 on (``store.exposures``: nothing earlier is a plausible exposure), YYYY-MM-DD.
DATE_FROM_1900 = f"^(?:19[0-9]{{2}}|[2-9][0-9]{{3}})-[0-9]{{2}}-[0-9]{{2}}{END}"
