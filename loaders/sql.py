"""Writing DuckDB SQL text from Python values, the two ways we need it."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """An identifier, quoted: `AttendanceCode` -> `"AttendanceCode"`."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal: `it's` -> `'it''s'`."""
    return "'" + text.replace("'", "''") + "'"
