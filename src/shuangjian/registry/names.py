"""How institution names are compared in a search, in Python and in SQL (the stored ``Institution.search_name``).

A query is compared in Unicode NFKC form (``search_form``): full-width brackets, digits, letters and spaces are
their half-width selves, whichever way a bureau or a parent typed them. The stored side is computed by the
database from ``name``: PostgreSQL applies NFKC itself (``normalize``), so both sides are the same function.
SQLite has no such function and its parser allows only about twenty nested calls, so there the column maps the
characters bureaus actually write in registered names — full-width brackets, digits, space, hyphen, full stop and
ampersand — one ``REPLACE`` each, exactly as NFKC maps them; a name with other full-width characters (letters,
say) is found on SQLite by typing it in half-width form.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Func, TextField, Value
from django.db.models.functions import Replace

# The characters of Chinese institution names that NFKC changes in practice (the SQLite column's mapping).
COMMON_FULL_WIDTH = "（）０１２３４５６７８９\u3000－．＆"


def search_form(text: str) -> str:
    """``text`` as the search compares names: NFKC (full-width ASCII and spaces made half-width)."""
    return unicodedata.normalize("NFKC", text or "")


class SearchForm(Func):
    """``search_form`` in SQL, for the generated ``Institution.search_name`` column (see the module's note)."""

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        expression: Any = self.get_source_expressions()[0]
        for full in COMMON_FULL_WIDTH:
            expression = Replace(expression, Value(full), Value(search_form(full)))
        return compiler.compile(expression)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"normalize({sql}, NFKC)", params
