"""Natural order for institution names: （51号） before （147号）, as a person reads them."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = re.compile(r"\d+")
# Wide enough for any house or branch number a name carries; longer runs (a code) keep their own length.
PAD = 8
KEY_MAX = 255  # Institution.name_key's max_length


def name_sort_key(name: str) -> str:
    """The name (NFKC: full-width digits are digits) with each run of digits left-padded with zeros to ``PAD``.

    Compared as plain text, keys order names naturally, so a btree index on the key serves the sorted list."""
    text = unicodedata.normalize("NFKC", name or "")
    return _DIGITS.sub(lambda m: m.group().lstrip("0").rjust(PAD, "0") if len(m.group()) <= PAD else m.group(), text)[
        :KEY_MAX
    ]
