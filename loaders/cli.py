"""The one command line: `hybrid-engagement` (or `python -m loaders`).

Every option can also come from the environment variable shown in `--help`.
Secrets (the pseudonymization salt) come only from the environment.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from loaders import pipeline
from loaders.dbt import DbtError, run_dbt
from loaders.findings import EXIT_FINDINGS
from loaders.findings import render as render_findings
from loaders.generate import DistrictSpec, generate
from loaders.lock import LockedError, pipeline_lock
from loaders.pipeline import PipelineFailed, Run, Step
from loaders.settings import SALT_ENV, ConfigError, Paths, salt_from_env
from loaders.summary import activity_by_source, render, unmatched_sources

log = logging.getLogger("loaders")


class RunFailed(click.ClickException):
    """A step failed for a reason already explained; exit non-zero."""


def main() -> None:
    # Everything this tool creates (landing copies, DuckDB files and their WAL files)
    # is private to the account that runs it: the restricted data is personal data.
    os.umask(0o077)
    try:
        cli(prog_name="hybrid-engagement")
    except Exception as error:  # a problem we did not foresee: one line, no traceback
        if "--debug" in sys.argv[1:]:
            raise
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        click.echo(
            f"Error: {type(error).__name__}: {first} (run again with --debug for "
            "the traceback)",
            err=True,
        )
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log every file and step.")
@click.option(
    "--debug",
    is_flag=True,
    help="Show the traceback of an unexpected error (errors are one line otherwise).",
)
@click.option(
    "--data-dir",
    envvar="HE_DATA_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for landing/, restricted.duckdb, warehouse.duckdb and "
    "serving.duckdb [env HE_DATA_DIR; default ./data]. HE_LANDING_DIR, "
    "HE_RESTRICTED_DB, HE_WAREHOUSE_DB and HE_SERVING_DB override single paths.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, debug: bool, data_dir: Path | None) -> None:
    """Hybrid Engagement on DuckDB: OEA's Hybrid Student Engagement package on one
    laptop. Typical day: `hybrid-engagement pipeline` (fetch, load, dbt build,
    publish)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose or debug else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )
    # paramiko logs every handshake and prints tracebacks for failures we report
    # ourselves, in plain words.
    logging.getLogger("paramiko").setLevel(
        logging.INFO if verbose else logging.CRITICAL
    )
    ctx.obj = {"data_dir": data_dir}


def _paths(ctx: click.Context) -> Paths:
    return Paths.resolve(ctx.obj["data_dir"])


def _lock_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait",
        "wait_seconds",
        type=float,
        default=0.0,
        show_default=True,
        help="Seconds to wait for another run on the same data folder to finish.",
    )(command)


def _district_options(command: Callable[..., Any]) -> Callable[..., Any]:
    defaults = DistrictSpec()
    for option in reversed(
        (
            click.option("--seed", type=int, default=defaults.seed, show_default=True),
            click.option(
                "--students", type=int, default=defaults.students, show_default=True
            ),
            click.option(
                "--schools", type=int, default=defaults.schools, show_default=True
            ),
            click.option(
                "--days",
                type=int,
                default=defaults.days,
                show_default=True,
                help="School days (weekdays that are not holidays).",
            ),
            click.option(
                "--start",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                default=defaults.start.isoformat(),
                show_default=True,
                help="First calendar day.",
            ),
        )
    ):
        command = option(command)
    return command


def _spec(
    seed: int, students: int, schools: int, days: int, start: Any
) -> DistrictSpec:
    first_day = start.date() if hasattr(start, "date") else date.fromisoformat(start)
    try:
        return DistrictSpec(seed, students, schools, days, first_day)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command("generate")
@_district_options
@click.option(
    "--landing-dir",
    envvar="HE_LANDING_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the deliveries [env HE_LANDING_DIR; default <data>/landing].",
)
@click.pass_context
def generate_command(
    ctx: click.Context, landing_dir: Path | None, **district: Any
) -> None:
    """Write a synthetic sample district's deliveries into a landing tree, in the
    formats and file names the source systems use. Same seed, same bytes."""
    target = landing_dir or _paths(ctx).landing_dir
    counts = generate(_spec(**district), target)
    for source, reports in counts.items():
        for report, rows in reports.items():
            click.echo(f"{source}/{report}: {rows:,} rows")
    click.echo(f"written below {target}")


@cli.command("load")
@click.argument("source_names", nargs=-1, metavar="[SOURCE]...")
@click.option(
    "--landing-dir",
    envvar="HE_LANDING_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with one sub-folder per source laid out as delivered, e.g. a drop "
    "folder [env HE_LANDING_DIR; default <data>/landing].",
)
@_lock_option
@click.pass_context
def load_command(
    ctx: click.Context,
    source_names: tuple[str, ...],
    landing_dir: Path | None,
    wait_seconds: float,
) -> None:
    """Load new files of SOURCE (default: all) into restricted.duckdb. Exits non-zero
    if any file is quarantined."""
    paths = _paths(ctx)
    if landing_dir:
        paths = dataclasses.replace(paths, landing_dir=landing_dir.resolve())
    run = Run(paths, salt="", source_names=source_names)
    with _locked(paths, wait_seconds):
        _run_steps(run, [pipeline.LOAD])
    _exit_with_findings(run)


def _fetch_config_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_file",
        envvar="HE_FETCH_CONFIG",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML file with [sftp] and [fetch] settings, kept outside git "
        "[env HE_FETCH_CONFIG]. HE_SFTP_* and HE_FETCH_* variables override it.",
    )(command)


@cli.command("fetch")
@_fetch_config_option
@click.option(
    "--from-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Mirror this local drop folder (laid out like the SFTP server) instead "
    "of connecting to SFTP.",
)
@click.option(
    "--load/--no-load",
    default=True,
    show_default=True,
    help="Then run the load step on Clever's landing folder (`load` alone loads "
    "later).",
)
@click.option(
    "--build", is_flag=True, help="Then run `dbt build`, under the same lock."
)
@_lock_option
@click.pass_context
def fetch_command(
    ctx: click.Context,
    config_file: Path | None,
    from_dir: Path | None,
    load: bool,
    build: bool,
    wait_seconds: float,
) -> None:
    """Fetch Clever's new and changed report files from its SFTP server into
    <landing>/clever/ (download and record only), then run the load step for
    Clever (and with --build, `dbt build`). Connection settings: HE_SFTP_HOST,
    _PORT, _USER, _KEY, _KEY_PASSPHRASE, _PASSWORD, _ROOT, _KNOWN_HOSTS (see the
    README). Ends "with findings" (exit status 3) if a report file could not be
    downloaded or is left to a later run, or if the load step found problems in a
    file; exits 1 if a step failed."""
    paths = _paths(ctx)
    run = Run(
        paths,
        salt=_salt(allow_demo=False) if build else "",
        source_names=("clever",),
        fetch_config=config_file,
        fetch_from_dir=from_dir,
        fetch_required=True,
    )
    steps = [pipeline.FETCH]
    steps += [pipeline.LOAD] if load else []
    steps += [pipeline.BUILD] if build else []
    with _locked(paths, wait_seconds):
        try:
            _run_steps(run, steps)
        finally:
            for report in (run.fetch_report, run.load_report):
                if report is not None:
                    click.echo(report.summary())
    _exit_with_findings(run)


@cli.command("build", context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@_lock_option
@click.pass_context
def build_command(
    ctx: click.Context, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run `dbt build` (models, seeds and every test) on the configured files; extra
    arguments go to dbt, e.g. `build -s staging.clever+`. Exits 3 when a test of
    the finding tier found rows or a source looks silent."""
    paths = _paths(ctx)
    run = Run(paths, salt=_salt(allow_demo=False), dbt_args=dbt_args)
    with _locked(paths, wait_seconds):
        _run_steps(run, [pipeline.BUILD])
    _exit_with_findings(run)


@cli.command("dbt", context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED)
@_lock_option
@click.pass_context
def dbt_command(
    ctx: click.Context, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run any dbt command against the configured files, e.g. `dbt test`,
    `dbt docs generate`, `dbt source freshness`."""
    paths = _paths(ctx)
    salt = _salt(allow_demo=False)
    with _locked(paths, wait_seconds):
        _dbt(list(dbt_args), paths, salt)


def _postgres_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--postgres-reader",
        envvar="HE_POSTGRES_READER",
        metavar="ROLE",
        help="PostgreSQL role (your BI tools' login) granted read access to the new "
        "tables on every publish [env HE_POSTGRES_READER].",
    )(command)
    return click.option(
        "--postgres",
        "postgres_url",
        envvar="HE_POSTGRES_URL",
        metavar="URL",
        help="Also copy the published tables into this PostgreSQL database, e.g. "
        "postgresql://he@db.example.org/engagement (keep the password in "
        "~/.pgpass or PGPASSWORD, not in the URL) [env HE_POSTGRES_URL].",
    )(command)


@cli.command("publish")
@_postgres_options
@_lock_option
@click.pass_context
def publish_command(
    ctx: click.Context,
    postgres_url: str | None,
    postgres_reader: str | None,
    wait_seconds: float,
) -> None:
    """Publish the serving views of the last passing `build` as tables into
    serving.duckdb (what BI tools open, read-only), replacing it atomically and
    keeping the previous file; with --postgres, also into PostgreSQL. Refuses when
    the last build failed."""
    paths = _paths(ctx)
    run = Run(
        paths, salt="", postgres_url=postgres_url, postgres_reader=postgres_reader
    )
    steps = [pipeline.PUBLISH] + ([pipeline.POSTGRES] if postgres_url else [])
    with _locked(paths, wait_seconds):
        _run_steps(run, steps)
    _print_summary(paths)
    _exit_with_findings(run)


@cli.command("docs")
@_lock_option
@click.pass_context
def docs_command(ctx: click.Context, wait_seconds: float) -> None:
    """Write the dbt docs site (descriptions, columns, lineage graph) as one
    self-contained HTML file beside serving.duckdb, in docs/index.html."""
    paths = _paths(ctx)
    run = Run(paths, salt=_salt(allow_demo=False))
    with _locked(paths, wait_seconds):
        _run_steps(run, [pipeline.DOCS])
    click.echo(f"Docs and lineage (open in a browser): {run.docs}")


@cli.command("report")
@_lock_option
@click.pass_context
def report_command(ctx: click.Context, wait_seconds: float) -> None:
    """Write the HTML report (OEA's Hybrid Engagement overview and Clever app usage
    dashboards) from the published serving.duckdb, read-only, into report/index.html
    beside it: one self-contained file that opens offline in any browser."""
    paths = _paths(ctx)
    run = Run(paths, salt="")
    with _locked(paths, wait_seconds):
        _run_steps(run, [pipeline.REPORT])
    click.echo(f"Report (open in a browser, works offline): {run.report}")


@cli.command("pipeline")
@_fetch_config_option
@_postgres_options
@_lock_option
@click.pass_context
def pipeline_command(
    ctx: click.Context,
    config_file: Path | None,
    postgres_url: str | None,
    postgres_reader: str | None,
    wait_seconds: float,
) -> None:
    """The daily run, under one lock: fetch from Clever's SFTP (when HE_SFTP_HOST
    or --config is set), load, `dbt build`, publish serving.duckdb, the HTML report,
    the docs site, and PostgreSQL (when configured). Files left unfetched or
    quarantined do not stop it (what arrived is published; it exits non-zero naming
    them); a failing dbt test stops it before publish."""
    paths = _paths(ctx)
    run = Run(
        paths,
        salt=_salt(allow_demo=False),
        fetch_config=config_file,
        postgres_url=postgres_url,
        postgres_reader=postgres_reader,
    )
    with _locked(paths, wait_seconds):
        _run_steps(run, pipeline.PIPELINE, show=True)
    _print_summary(paths)
    _exit_with_findings(run)


@cli.command("summary")
@click.pass_context
def summary_command(ctx: click.Context) -> None:
    """Print the published tables' row counts and how to open serving.duckdb."""
    _print_summary(_paths(ctx))


@cli.command("demo")
@_district_options
@click.option(
    "--data-dir",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="The demo's own folder; HE_* path variables are ignored so the demo never "
    "touches a district's data.",
)
@_lock_option
def demo_command(demo_dir: Path, wait_seconds: float, **district: Any) -> None:
    """Everything end to end on a generated sample district: generate, load,
    `dbt build`, publish serving.duckdb, the HTML report, the docs site, summary.
    Safe to run again: the second run changes no counts."""
    paths = Paths.resolve(demo_dir, use_env=False)
    spec = _spec(**district)

    def generate_step(run: Run) -> str:
        counts = generate(spec, run.paths.landing_dir)
        rows = sum(n for reports in counts.values() for n in reports.values())
        return (
            f"{spec.students:,} students, {rows:,} rows below {run.paths.landing_dir}"
        )

    steps = [
        ("generate", generate_step),
        pipeline.LOAD,
        pipeline.BUILD,
        pipeline.PUBLISH,
        pipeline.REPORT,
        pipeline.DOCS,
    ]
    run = Run(paths, salt=_salt(allow_demo=True))
    with _locked(paths, wait_seconds):
        _run_steps(run, steps, show=True)
    _print_summary(paths)
    _exit_with_findings(run)


def _salt(*, allow_demo: bool) -> str:
    try:
        salt, is_demo = salt_from_env(allow_demo=allow_demo)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if is_demo:
        log.warning(
            "%s is not set: using the PUBLIC DEMO SALT. Fine for the synthetic sample "
            "district; never for real students (anyone could reverse the pseudonyms).",
            SALT_ENV,
        )
    return salt


def _dbt(args: list[str], paths: Paths, salt: str) -> None:
    try:
        run_dbt(args, paths, salt)
    except DbtError as error:
        raise RunFailed(str(error)) from None


def _run_steps(run: Run, steps: Sequence[Step], *, show: bool = False) -> None:
    """Run the steps; findings first, then (with `show`) each step's time and
    result."""
    try:
        pipeline.run_steps(run, steps)
    except PipelineFailed as failed:
        _show_findings(failed.run)
        if show:
            click.echo("\n" + pipeline.render_steps(failed.run))
        not_published = any(
            outcome.name == "publish" and outcome.status != "done"
            for outcome in failed.run.outcomes
        )
        unchanged = f"\n{run.paths.serving_db} is unchanged." if not_published else ""
        status = next(o.status for o in failed.run.outcomes if o.name == failed.step)
        raise RunFailed(f"{failed.step} {status}: {failed.error}{unchanged}") from None
    _show_findings(run)
    if show:
        click.echo("\n" + pipeline.render_steps(run))


def _show_findings(run: Run) -> None:
    if run.findings:
        click.echo(render_findings(run.findings, published=run.published))


def _exit_with_findings(run: Run) -> None:
    """Exit with status 3 when the run has findings (everything else done)."""
    if run.findings:
        sys.exit(EXIT_FINDINGS)


@contextmanager
def _locked(paths: Paths, wait_seconds: float) -> Iterator[None]:
    try:
        with pipeline_lock(paths.lock_file, wait_seconds=wait_seconds):
            yield
    except LockedError as error:
        raise click.ClickException(str(error)) from None


def _print_summary(paths: Paths) -> None:
    if not paths.serving_db.exists() and not paths.warehouse_db.exists():
        raise click.ClickException(f"no warehouse yet at {paths.warehouse_db}")
    by_source = activity_by_source(paths.warehouse_db)
    for source in unmatched_sources(by_source):
        log.warning(
            "no %s activity reaches a student on the SIS roster: its ids do not line "
            "up with the SIS ids (see digital_engagement."
            "digital_activity_identity_match_rates)",
            source,
        )
    click.echo("")
    click.echo(render(paths, by_source))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
