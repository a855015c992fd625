"""The daily run as a list of steps: fetch -> load -> dbt build -> publish -> report
-> docs (-> PostgreSQL when configured).

Each step is a function of the run's settings that returns one line saying what it
did, or raises:

* Skipped: nothing to do (no SFTP server configured, no PostgreSQL endpoint);
* Incomplete: it did its work but left files behind (not fetched); the later steps
  still run, so everything that did arrive is built and published;
* anything else: the step failed and the run stops there. A failing dbt test therefore
  never reaches `publish`: the published file stays what it was.

Problems of the deliveries are findings, never failures (design.md, "Findings and
failures"): a step appends them to `run.findings` and carries on; a file left behind
is one too. The run then ends "with findings" (the CLI exits with status 3).

The commands `load`, `build`, `publish`, `report` and `docs` run single steps;
`pipeline` and `demo` run them in order under one lock and print a summary. To add a
step, write a function like the ones below, name it like LOAD, and
add it to PIPELINE (and to the demo's steps in cli/commands.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loaders import findings as finding_rules
from loaders import sources as source_registry
from loaders.dbt import (
    BUILD_RESULTS,
    WITHOUT_UNIT_TESTS,
    WITHOUT_VIEWS,
    build_inputs,
    keep_built_docs,
    last_run_statuses,
    passed_build,
    prepare_tested_file_versions,
    run_dbt,
    unit_tests_passed_for,
    views_in_place,
)
from loaders.fetch import FetchError, FetchReport, open_transport
from loaders.fetch import fetch as fetch_files
from loaders.findings import Finding
from loaders.load import LoadReport, load_landing
from loaders.postgres import describe_url, publish_to_postgres
from loaders.publish import SERVING_FILE_MODE, Publication, publish, published_build
from loaders.report import write_report
from loaders.settings import Paths

log = logging.getLogger(__name__)


class Skipped(Exception):
    """The step had nothing to do; the message says why."""


class Incomplete(Exception):
    """The step left files behind (the message lists them); later steps still run."""


class StepFailed(Exception):
    """A step failed for a reason its message explains."""


@dataclass
class Run:
    """Settings of one run, and what its steps produced."""

    paths: Paths
    salt: str
    source_names: tuple[str, ...] = ()
    dbt_args: tuple[str, ...] = ()  # extra arguments of `dbt build`
    fetch_config: Path | None = None
    # The `fetch` command: a local drop folder instead of SFTP, and missing SFTP
    # settings are an error rather than a reason to skip the step.
    fetch_from_dir: Path | None = None
    fetch_required: bool = False
    fetch_report: FetchReport | None = None
    postgres_url: str | None = None
    postgres_reader: str | None = None
    load_report: LoadReport | None = None
    publication: Publication | None = None
    docs: Path | None = None
    report: Path | None = None
    outcomes: list[StepOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return any(
            o.name == "publish" and o.status in ("done", "findings")
            for o in self.outcomes
        )


@dataclass(frozen=True)
class StepOutcome:
    name: str
    status: str  # done, findings, skipped, failed, not run
    seconds: float
    detail: str


Step = tuple[str, Callable[[Run], str]]


class PipelineFailed(Exception):
    def __init__(self, run: Run, step: str, error: BaseException) -> None:
        super().__init__(f"{step} failed: {error}")
        self.run = run
        self.step = step
        self.error = error


def run_steps(run: Run, steps: Sequence[Step]) -> Run:
    """Run `steps` in order; stop at the first failure (raises PipelineFailed).
    Findings do not stop the run: they are in run.findings at the end."""
    for number, (name, step) in enumerate(steps, start=1):
        log.info("[%s/%s] %s", number, len(steps), name)
        started = time.monotonic()
        found_before = len(run.findings)
        try:
            detail = step(run)
            status = "done"
        except Skipped as skipped:
            detail, status = str(skipped), "skipped"
        except Incomplete as left_behind:
            detail, status = str(left_behind), "findings"
            # Its message lists what it left behind, one indented line each.
            listed = [line.strip() for line in detail.splitlines() if line[:2] == "  "]
            run.findings += [
                Finding(f"{name} step", line) for line in listed or [detail]
            ]
        except Exception as error:
            run.outcomes.append(
                StepOutcome(name, "failed", time.monotonic() - started, str(error))
            )
            for later, _ in steps[number:]:
                run.outcomes.append(StepOutcome(later, "not run", 0.0, ""))
            raise PipelineFailed(run, name, error) from error
        if len(run.findings) > found_before:
            status = "findings"
        run.outcomes.append(
            StepOutcome(name, status, time.monotonic() - started, detail)
        )
        level = logging.WARNING if status == "findings" else logging.INFO
        log.log(level, "[%s/%s] %s %s: %s", number, len(steps), name, status, detail)
    return run


def fetch(run: Run) -> str:
    """Clever's new and changed report files from its SFTP server (or a drop
    folder) into the landing folder; the load step loads them."""
    configured = (
        run.fetch_from_dir or os.environ.get("HE_SFTP_HOST") or run.fetch_config
    )
    if not (configured or run.fetch_required):
        raise Skipped(
            "no SFTP server configured (HE_SFTP_HOST or HE_FETCH_CONFIG); "
            "using the landing folder"
        )
    transport, settings = open_transport(
        from_dir=run.fetch_from_dir, config_file=run.fetch_config
    )
    try:
        report = fetch_files(
            transport, source_registry.SOURCES["clever"], run.paths, settings
        )
    except FetchError as error:
        # The server could not be listed (refused, unreachable): what landed before
        # is still loaded, built and published.
        first_line = str(error).splitlines()[0]
        run.findings.append(Finding("fetch step", f"nothing fetched: {first_line}"))
        return f"nothing fetched: {error}"
    run.fetch_report = report
    run.findings += [
        Finding(f"{entry.recorded_path} on the server", entry.label)
        for entry in report.failures
    ]
    if report.failures:
        return f"{report.summary()}\n{report.failure_message()}"
    return report.summary()


def load(run: Run) -> str:
    try:
        chosen = source_registry.select(run.source_names)
    except KeyError as error:
        raise StepFailed(str(error.args[0])) from None
    report = load_landing(run.paths.landing_dir, run.paths.restricted_db, chosen)
    run.load_report = report
    run.findings += finding_rules.from_load(run.paths.restricted_db, report.outcomes)
    return report.summary()


def build(run: Run) -> str:
    """`dbt build`, and the docs site of what it built, in one dbt process; nothing
    at all when nothing arrived or changed since the last passing build. The dbt
    unit tests (the SQL's logic on fixed inputs) run when the project changed; a
    build of new data with a project whose unit tests passed leaves them out, and
    leaves out the views when the same project made them in the last passing build
    (every data test on them still runs). After a passing build by the same
    project, the uniqueness tests of models whose rows of a delivered file version
    never change look at the versions it did not test (loaders/dbt.py,
    prepare_tested_file_versions)."""
    inputs = build_inputs(run.paths)
    previous = passed_build(run.paths)
    if not run.dbt_args and previous and previous.get("inputs") == inputs:
        # A source that stopped delivering is exactly a run with nothing new.
        run.findings += finding_rules.from_source_status(run.paths.warehouse_db)
        raise Skipped(
            f"nothing new since the build of {previous['finished_at']}: the "
            "warehouse is up to date"
        )
    unit_tests = (
        WITHOUT_UNIT_TESTS
        if not run.dbt_args and unit_tests_passed_for() == inputs["project"]
        else []
    )
    views = (
        WITHOUT_VIEWS
        if not run.dbt_args and views_in_place(run.paths, previous)
        else []
    )
    run_dbt(
        ["build", *run.dbt_args, *unit_tests, *views],
        # The build compiled every node in this dbt process: the docs need not.
        ["docs", "generate", "--static", "--no-compile"],
        paths=run.paths,
        salt=run.salt,
        only_new_file_versions=(
            not run.dbt_args and prepare_tested_file_versions(run.paths, previous)
        ),
    )
    keep_built_docs(run.paths)
    statuses = last_run_statuses()
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    run.findings += finding_rules.from_dbt_run(BUILD_RESULTS)
    run.findings += finding_rules.from_source_status(run.paths.warehouse_db)
    return f"dbt build passed: {counts}"


def publish_file(run: Run) -> str:
    """serving.duckdb, with the docs site and the report of the same build beside
    it; in a run that built nothing, nothing when that build is already the
    published one (`publish` on its own always publishes)."""
    build_record = passed_build(run.paths)
    nothing_built = any(
        o.name == "build" and o.status == "skipped" for o in run.outcomes
    )
    if (
        nothing_built
        and build_record
        and published_build(run.paths) == build_record.get("finished_at")
        and run.paths.serving_db.exists()
        and run.paths.report_file.exists()
    ):
        raise Skipped(
            f"{run.paths.serving_db} is already the build of "
            f"{build_record['finished_at']}: nothing republished"
        )
    publication = publish(run.paths)
    run.publication = publication
    shown = [
        f"{len(publication.tables)} tables, {publication.rows:,} rows "
        f"({publication.changes})"
    ]
    if run.paths.built_docs_file.exists():
        _place(run.paths.built_docs_file, run.paths.docs_file)
        run.docs = run.paths.docs_file
        shown.append("the docs site")
    written = write_report(run.paths)
    run.report = written.path
    shown.append(f"the report ({written.charts} charts)")
    return f"{', '.join(shown)} -> {publication.path.parent}"


def docs(run: Run) -> str:
    """The dbt docs site as one self-contained HTML file beside the published one."""
    run_dbt(["docs", "generate", "--static"], paths=run.paths, salt=run.salt)
    keep_built_docs(run.paths)
    _place(run.paths.built_docs_file, run.paths.docs_file)
    run.docs = run.paths.docs_file
    return str(run.docs)


def _place(source: Path, target: Path) -> None:
    """Copy a file beside the published one, readable by its readers, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.chmod(partial, SERVING_FILE_MODE)
    os.replace(partial, target)


def report(run: Run) -> str:
    """The HTML report (charts of the published tables), beside the published file."""
    written = write_report(run.paths)
    run.report = written.path
    return f"{written.charts} charts -> {written.path}"


def postgres(run: Run) -> str:
    if not run.postgres_url:
        raise Skipped("no PostgreSQL endpoint configured (HE_POSTGRES_URL)")
    tables = publish_to_postgres(
        run.paths.serving_db, run.postgres_url, run.postgres_reader
    )
    rows = sum(table.rows for table in tables)
    return f"{len(tables)} tables, {rows:,} rows -> {describe_url(run.postgres_url)}"


FETCH: Step = ("fetch", fetch)
LOAD: Step = ("load", load)
BUILD: Step = ("build", build)
PUBLISH: Step = ("publish", publish_file)
DOCS: Step = ("docs", docs)
REPORT: Step = ("report", report)
POSTGRES: Step = ("postgres", postgres)

# The daily run. PUBLISH writes serving.duckdb, its docs site and its report
# together; a step that reads the published file goes after it.
PIPELINE: tuple[Step, ...] = (FETCH, LOAD, BUILD, PUBLISH, POSTGRES)


def render_steps(run: Run) -> str:
    """The run's summary: each step with its time and result, then what was
    published and where."""
    total = sum(outcome.seconds for outcome in run.outcomes)
    width = max(len(outcome.name) for outcome in run.outcomes)
    lines = [f"Steps ({total:,.1f} s in all)"]
    for outcome in run.outcomes:
        detail = outcome.detail.splitlines()[0] if outcome.detail else ""
        lines.append(
            f"  {outcome.name.ljust(width)}  {outcome.status.ljust(10)} "
            f"{outcome.seconds:7.1f} s  {detail}"
        )
    return "\n".join(lines)
