"""The commands of `hybrid-engagement` (or `python -m loaders`), and `main`.

Each command names its options and the pipeline steps it runs; the options several
commands share are in options.py, running the steps in runs.py. Every option can also
come from the environment variable shown in `--help`. Secrets (the pseudonymization
salt) come only from the environment.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from loaders import pipeline, spark
from loaders.cli.options import (
    district_options,
    district_spec,
    fetch_config_option,
    lock_option,
    paths_of,
    postgres_options,
)
from loaders.cli.runs import (
    dbt,
    exit_with_findings,
    locked,
    print_summary,
    read_salt,
    run_steps,
)
from loaders.generate import generate
from loaders.pipeline import Run
from loaders.settings import ConfigError, Paths, duckdb_memory_limit
from loaders.summary import demo_hint


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
    try:
        duckdb_memory_limit()  # a bad HE_MEMORY_LIMIT stops every command up front
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    ctx.obj = {"data_dir": data_dir}


@cli.command("generate")
@district_options
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
    target = landing_dir or paths_of(ctx).landing_dir
    counts = generate(district_spec(**district), target)
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
@lock_option
@click.pass_context
def load_command(
    ctx: click.Context,
    source_names: tuple[str, ...],
    landing_dir: Path | None,
    wait_seconds: float,
) -> None:
    """Load new files of SOURCE (default: all) into restricted.duckdb. Exits non-zero
    if any file is quarantined."""
    paths = paths_of(ctx)
    if landing_dir:
        paths = dataclasses.replace(paths, landing_dir=landing_dir.resolve())
    run = Run(paths, salt="", source_names=source_names)
    with locked(paths, wait_seconds):
        run_steps(run, [pipeline.LOAD])
    exit_with_findings(run)


FROM_DIR = click.option(
    "--from-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Mirror this local drop folder (laid out like the SFTP server) instead "
    "of connecting to SFTP.",
)


@cli.command("fetch")
@fetch_config_option
@FROM_DIR
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
@lock_option
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
    _PORT, _USER, _KEY, _KEY_PASSPHRASE, _PASSWORD, _ROOT, _KNOWN_HOSTS (see
    docs/sftp.md). Ends "with findings" (exit status 3) if a report file could not be
    downloaded or is left to a later run, or if the load step found problems in a
    file; exits 1 if a step failed."""
    paths = paths_of(ctx)
    run = Run(
        paths,
        salt=read_salt(allow_demo=False) if build else "",
        source_names=("clever",),
        fetch_config=config_file,
        fetch_from_dir=from_dir,
        fetch_required=True,
    )
    steps = [pipeline.FETCH]
    steps += [pipeline.LOAD] if load else []
    steps += [pipeline.BUILD] if build else []
    with locked(paths, wait_seconds):
        try:
            run_steps(run, steps)
        finally:
            for report in (run.fetch_report, run.load_report):
                if report is not None:
                    click.echo(report.summary())
    exit_with_findings(run)


@cli.command("build", context_settings={"ignore_unknown_options": True})
@click.option(
    "--target",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="duckdb: into warehouse.duckdb. spark: the same project on Apache Spark "
    "(the spark extra and Java 17; docs/running-on-spark.md): the raw tables are "
    "exported as Parquet and built into Spark's catalog (HE_SPARK_DIR, default "
    "<data>/spark).",
)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@lock_option
@click.pass_context
def build_command(
    ctx: click.Context, target: str, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run `dbt build` (models, seeds and every test) on the configured files; extra
    arguments go to dbt, e.g. `build -s staging.clever+`. Exits 3 when a test of
    the finding tier found rows or a source looks silent."""
    paths = paths_of(ctx)
    run = Run(paths, salt=read_salt(allow_demo=False), dbt_args=dbt_args)
    step = spark.BUILD if target == "spark" else pipeline.BUILD
    with locked(paths, wait_seconds):
        run_steps(run, [step])
    exit_with_findings(run)


@cli.command("dbt", context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED)
@lock_option
@click.pass_context
def dbt_command(
    ctx: click.Context, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run any dbt command against the configured files, e.g. `dbt test`,
    `dbt docs generate`, `dbt source freshness`."""
    paths = paths_of(ctx)
    salt = read_salt(allow_demo=False)
    with locked(paths, wait_seconds):
        dbt(list(dbt_args), paths, salt)


@cli.command("publish")
@postgres_options
@lock_option
@click.pass_context
def publish_command(
    ctx: click.Context,
    postgres_url: str | None,
    postgres_reader: str | None,
    wait_seconds: float,
) -> None:
    """Publish the serving views of the last passing `build` as tables into
    serving.duckdb (what BI tools open, read-only), replacing it atomically and
    keeping the previous file, with that build's docs site and the report beside
    it; with --postgres, also into PostgreSQL. Refuses when the last build failed;
    does nothing when that build is already published."""
    paths = paths_of(ctx)
    run = Run(
        paths, salt="", postgres_url=postgres_url, postgres_reader=postgres_reader
    )
    steps = [pipeline.PUBLISH] + ([pipeline.POSTGRES] if postgres_url else [])
    with locked(paths, wait_seconds):
        run_steps(run, steps)
    print_summary(paths)
    exit_with_findings(run)


@cli.command("docs")
@lock_option
@click.pass_context
def docs_command(ctx: click.Context, wait_seconds: float) -> None:
    """Write the dbt docs site (descriptions, columns, lineage graph) as one
    self-contained HTML file beside serving.duckdb, in docs/index.html."""
    paths = paths_of(ctx)
    run = Run(paths, salt=read_salt(allow_demo=False))
    with locked(paths, wait_seconds):
        run_steps(run, [pipeline.DOCS])
    click.echo(f"Docs and lineage (open in a browser): {run.docs}")


@cli.command("report")
@lock_option
@click.pass_context
def report_command(ctx: click.Context, wait_seconds: float) -> None:
    """Write the HTML report (OEA's Hybrid Engagement overview and Clever app usage
    dashboards) from the published serving.duckdb, read-only, into report/index.html
    beside it: one self-contained file that opens offline in any browser."""
    paths = paths_of(ctx)
    run = Run(paths, salt="")
    with locked(paths, wait_seconds):
        run_steps(run, [pipeline.REPORT])
    click.echo(f"Report (open in a browser, works offline): {run.report}")


@cli.command("pipeline")
@fetch_config_option
@FROM_DIR
@postgres_options
@lock_option
@click.pass_context
def pipeline_command(
    ctx: click.Context,
    config_file: Path | None,
    from_dir: Path | None,
    postgres_url: str | None,
    postgres_reader: str | None,
    wait_seconds: float,
) -> None:
    """The daily run, under one lock: fetch from Clever's SFTP (when HE_SFTP_HOST,
    --config or --from-dir is set), load, `dbt build`, publish serving.duckdb with
    its docs site and report, and PostgreSQL (when configured). Nothing new since
    the last run: nothing is built or republished. Problems of the deliveries do not
    stop it (what arrived is published; it exits 3 listing them); a failing dbt test
    stops it before publish (exit 1)."""
    paths = paths_of(ctx)
    run = Run(
        paths,
        salt=read_salt(allow_demo=False),
        fetch_config=config_file,
        fetch_from_dir=from_dir,
        postgres_url=postgres_url,
        postgres_reader=postgres_reader,
    )
    with locked(paths, wait_seconds):
        run_steps(run, pipeline.PIPELINE, show=True)
    print_summary(paths)
    exit_with_findings(run)


@cli.command("summary")
@click.pass_context
def summary_command(ctx: click.Context) -> None:
    """Print the published tables' row counts and how to open serving.duckdb."""
    print_summary(paths_of(ctx))


@cli.command("demo")
@district_options
@click.option(
    "--data-dir",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="The demo's own folder; HE_* path variables are ignored so the demo never "
    "touches a district's data.",
)
@lock_option
def demo_command(demo_dir: Path, wait_seconds: float, **district: Any) -> None:
    """Everything end to end on a generated sample district: generate, load,
    `dbt build`, publish serving.duckdb, the HTML report, the docs site, summary.
    Safe to run again: the second run changes no counts."""
    paths = Paths.resolve(demo_dir, use_env=False)
    spec = district_spec(**district)

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
    ]
    run = Run(paths, salt=read_salt(allow_demo=True))
    with locked(paths, wait_seconds):
        run_steps(run, steps, show=True)
    print_summary(paths)
    click.echo(demo_hint(paths))
    exit_with_findings(run)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
