"""Writing DuckDB SQL text from Python values: the one place that quotes."""

from __future__ import annotations

from collections.abc import Iterable


def quote_ident(name: str) -> str:
    """An identifier, quoted: `AttendanceCode` -> `"AttendanceCode"`."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal: `it's` -> `'it''s'`."""
    return "'" + text.replace("'", "''") + "'"


def list_literal(values: Iterable[str]) -> str:
    """A list of string literals: `("a", "it's")` -> `['a', 'it''s']`."""
    return "[" + ", ".join(literal(value) for value in values) + "]"
