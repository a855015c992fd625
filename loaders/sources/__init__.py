"""One module per source system; each exposes SOURCE, a loaders.specs.Source."""

from __future__ import annotations

from loaders.sources import clever, contoso_sis, graph, insights, iready
from loaders.specs import RawTable, Source

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        clever.SOURCE,
        contoso_sis.SOURCE,
        insights.SOURCE,
        iready.SOURCE,
        graph.SOURCE,
    )
}


def all_tables() -> list[RawTable]:
    return [table for source in SOURCES.values() for table in source.tables]


def select(names: tuple[str, ...] | list[str] | None) -> list[Source]:
    """The named sources, or all of them; unknown names raise KeyError."""
    if not names:
        return list(SOURCES.values())
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise KeyError(
            f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}"
        )
    return [SOURCES[name] for name in names]
