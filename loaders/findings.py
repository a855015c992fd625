"""Findings: problems of the deliveries, reported without stopping the run.

A finding names where (a file and its lines, a source, a dbt test) and what (the rule,
never a delivered value, so the report is safe to mail or log). The steps collect
them while the run goes on; the run ends "published, with findings" (exit status 3)
when there are any. See design.md, "Findings and failures".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.manifest import FileOutcome, utc_now

# The CLI's exit status when everything that arrived was published but the run has
# findings (0: published, nothing to report; 1: failed, nothing published).
EXIT_FINDINGS = 3

_FIRST_LINES = 5


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def from_load(restricted_db: Path, outcomes: list[FileOutcome]) -> list[Finding]:
    """The files this load found problems in, with each rule their lines broke (and
    the first such lines)."""
    findings_by_file = [o for o in outcomes if o.is_finding]
    if not findings_by_file:
        return []
    paths = [o.relative_path for o in findings_by_file]
    with duckdb.connect(str(restricted_db), read_only=True) as conn:
        rows = conn.execute(
            """
            with newest as (
                select file_path, max(file_id) as file_id
                from loader.manifest
                where file_path in (select unnest($paths))
                group by file_path
            ),

            lines as (
                select file_id, 'rejected' as kind, rule, line
                from loader.rejects
                union all
                select file_id, 'flagged' as kind, rule, line
                from loader.flags
            )

            select
                newest.file_path,
                lines.kind,
                coalesce(lines.rule, 'rejected'),
                count(*),
                list(lines.line order by lines.line)[1:$first]
            from newest
            inner join lines on newest.file_id = lines.file_id
            group by all
            order by all
            """,
            {"paths": paths, "first": _FIRST_LINES},
        ).fetchall()
    by_path: dict[str, list[Finding]] = {}
    for path, kind, rule, count, lines in rows:
        shown = ", ".join(str(line) for line in lines if line is not None)
        more = ", ..." if count > len(lines) else ""
        at = f" (line{'s' if count > 1 else ''} {shown}{more})" if shown else ""
        by_path.setdefault(path, []).append(
            Finding(path, f"{count:,} {kind}: {rule}{at}")
        )
    findings = []
    for outcome in findings_by_file:
        if outcome.status != "loaded" or outcome.reason:
            findings.append(Finding(outcome.relative_path, _file_problem(outcome)))
        findings += by_path.get(outcome.relative_path, [])
    return findings


def _file_problem(outcome: FileOutcome) -> str:
    if outcome.status == "loaded":
        return str(outcome.reason)
    return f"{outcome.status}: {outcome.reason}"


def from_dbt_run(run_results: Path) -> list[Finding]:
    """dbt tests of the finding tier (severity warn) that found rows."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    return [
        Finding(
            f"dbt test {result['unique_id'].split('.')[2]}",
            (result.get("message") or f"{result.get('failures')} rows").strip(),
        )
        for result in results
        if result["status"] == "warn"
    ]


def from_source_status(warehouse_db: Path) -> list[Finding]:
    """Sources that look silent: no new delivery within their freshness window (as
    of now, so a run with nothing new still sees it), or rows that reach no
    digital_activity or no student (as of the last build)."""
    if not warehouse_db.exists():
        return []
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        present = conn.execute(
            "select count(*) from duckdb_tables() where database_name = "
            "current_database() and schema_name = 'audit' "
            "and table_name = 'source_status'"
        ).fetchone()[0]
        if not present:
            return []
        rows = conn.execute(
            "select source, last_delivered_at, freshness_days, rows_in_use, "
            "activity_rows, student_activity_rows, finding "
            "from audit.source_status order by source"
        ).fetchall()
    now = utc_now()
    findings = []
    for source, last, window, _, _, _, finding in rows:
        overdue = (
            last is not None
            and window is not None
            and (now - last).total_seconds() > window * 86_400
        )
        if overdue:
            days = (now - last).total_seconds() / 86_400
            findings.append(
                Finding(
                    f"source {source}",
                    f"silent: no new delivery for {days:.1f} days (since "
                    f"{last:%Y-%m-%d %H:%M} UTC; expected at least every "
                    f"{window:g} days)",
                )
            )
        elif finding and not finding.startswith("no new delivery"):
            findings.append(Finding(f"source {source}", f"silent: {finding}"))
    return findings


def render(findings: list[Finding], *, published: bool) -> str:
    done = "Published" if published else "Done"
    lines = [
        f"{done}, with findings ({len(findings)}): problems of the deliveries, "
        "reported without stopping the run. Rejected lines (with their values) are "
        "in restricted.duckdb's loader.rejects; every finding is in "
        "sqls2_quality.delivery_findings."
    ]
    lines += [f"  {finding}" for finding in findings]
    return "\n".join(lines)
