"""Numbers as the report shows them, and the HTML tables beside the charts.

A row the serving views suppress (fewer students than the small-cell threshold) keeps
its key columns and shows the suppression text in place of every number, never a
value.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

Formatter = Callable[[Any], str]


def suppressed_text(minimum: int) -> str:
    return f"suppressed (fewer than {minimum} students)"


def as_count(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def as_rate(value: Any) -> str:
    return "" if value is None else f"{value:.1%}"


def as_decimal(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def as_threshold(value: float) -> str:
    """A share as a setting reads: 0.9 -> '90%', 0.875 -> '87.5%'."""
    return f"{value * 100:g}%"


def grade_order(grade: str | None) -> tuple[int, int, str]:
    """Grades in school order: K and PK first, then 1, 2, ... 12, then the rest,
    and no grade last."""
    if grade is None:
        return (3, 0, "")
    text = grade.strip().upper()
    if text in ("PK", "K", "KG"):
        return (0, ("PK", "K", "KG").index(text), text)
    if text.isdigit():
        return (1, int(text), text)
    return (2, 0, text)


def numbers_table(
    headers: Sequence[str],
    rows: Sequence[dict[str, Any]],
    cells: Sequence[tuple[str, Formatter]],
    keys: int,
    minimum: int,
) -> str:
    """An HTML table: `cells` are (column, formatter) pairs; the first `keys` are
    shown on every row, the rest replaced by the suppression text on a suppressed
    row."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        shown = [
            f"<td>{html.escape(fmt(row[column]))}</td>" for column, fmt in cells[:keys]
        ]
        if row.get("is_suppressed"):
            shown.append(
                f'<td class="suppressed" colspan="{len(cells) - keys}">'
                f"{html.escape(suppressed_text(minimum))}</td>"
            )
        else:
            shown += [
                f'<td class="number">{html.escape(fmt(row[column]))}</td>'
                for column, fmt in cells[keys:]
            ]
        body.append(f"<tr>{''.join(shown)}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def plain_table(
    headers: Sequence[str], rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> str:
    """An HTML table of text cells (no suppression: rows that name no students)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(as_text(row[column]))}</td>" for column in columns)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def suppressed_note(labels: Sequence[str], minimum: int) -> list[str]:
    """The note under a chart naming the rows it does not draw."""
    if not labels:
        return []
    listed = ", ".join(html.escape(label) for label in labels)
    return [f"Not drawn, {suppressed_text(minimum)}: {listed}."]
