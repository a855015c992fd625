"""BI clients as docs/connecting-bi-tools.md tells them to work: Evidence's engine
(`@duckdb/node-api` at the version the recipe pins) reading every published table
from the copy the recipe swaps in, and long-lived processes (Python, SQLAlchemy)
seeing a new publication only the way the guide says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from helpers.cli import PROJECT_DIR, ok, run_cli
from helpers.district import District, PublishedDistrict, copy_district

pytestmark = pytest.mark.slow

GUIDE = PROJECT_DIR / "docs" / "connecting-bi-tools.md"
NODE_CLIENT = PROJECT_DIR / "build" / "node-client"

# Run by node: every table of a file, every row, read through @duckdb/node-api.
READ_EVERY_TABLE_JS = """
const { DuckDBInstance, version } = require("@duckdb/node-api");
(async () => {
  const instance = await DuckDBInstance.create(process.argv[1], {
    access_mode: "READ_ONLY",
  });
  const conn = await instance.connect();
  const tables = (await conn.runAndReadAll(
    "select schema_name, table_name from duckdb_tables() order by 1, 2"
  )).getRows();
  const out = { version: version(), tables: {} };
  for (const [schema, table] of tables) {
    const reader = await conn.runAndReadAll(`select * from "${schema}"."${table}"`);
    out.tables[`${schema}.${table}`] = {
      columns: reader.columnNames(),
      rows: reader.getRowsJson(),
    };
  }
  conn.closeSync();
  instance.closeSync();
  console.log(JSON.stringify(out));
})().catch((error) => { console.error(String(error)); process.exit(1); });
"""


def pinned_node_api() -> str:
    """The @duckdb/node-api version the guide's npm `overrides` pins."""
    found = re.search(
        r'"overrides":\s*\{\s*"@duckdb/node-api":\s*"([^"]+)"', GUIDE.read_text()
    )
    assert found, f"{GUIDE} has no npm overrides for @duckdb/node-api"
    return found.group(1)


def recipe_refresh() -> list[str]:
    """The guide's refresh step for Evidence: the shell lines of its `sh` block that
    copies the published file in and swaps it into place."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    refresh = next(block for block in blocks if ".serving.duckdb.part" in block)
    return [line.strip() for line in refresh.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def node_api() -> Path:
    """node_modules with @duckdb/node-api at the pinned version, installed with npm
    once into build/node-client (cached across runs)."""
    version = pinned_node_api()
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node or npm is not installed: the Evidence client is not tested")
    package = NODE_CLIENT / "node_modules" / "@duckdb" / "node-api" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != version:
        NODE_CLIENT.mkdir(parents=True, exist_ok=True)
        (NODE_CLIENT / "package.json").write_text('{"private": true}\n')
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@duckdb/node-api@{version}",
            ],
            cwd=NODE_CLIENT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(
                f"npm could not install @duckdb/node-api@{version} into "
                f"{NODE_CLIENT} (offline?): {result.stderr[-500:]}"
            )
    return NODE_CLIENT


def _serving_views(district: District) -> dict[str, int]:
    """Every serving view of the warehouse and its row count."""
    with duckdb.connect(str(district.warehouse), read_only=True) as conn:
        views = conn.execute(
            "select schema_name, view_name from duckdb_views() "
            "where not internal and (schema_name like 'sqls2\\_%' escape '\\' "
            "or schema_name like 'sqls3\\_%' escape '\\')"
        ).fetchall()
        return {
            f"{schema}.{view}": conn.execute(
                f'select count(*) from "{schema}"."{view}"'
            ).fetchone()[0]
            for schema, view in views
        }


def test_evidence_engine_reads_every_published_table_from_the_swapped_copy(
    published_district: PublishedDistrict, node_api: Path, tmp_path: Path
) -> None:
    # GIVEN an Evidence source folder refreshed with the guide's own commands (paths
    # put where this test keeps them)
    evidence = tmp_path / "engagement-dashboard"
    (evidence / "sources" / "engagement").mkdir(parents=True)
    script = "\n".join(
        line.replace("/srv/evidence/engagement-dashboard", str(evidence)).replace(
            "/srv/bi/serving.duckdb", str(published_district.serving)
        )
        for line in recipe_refresh()
        if not line.startswith("npm ")  # Evidence itself is not installed here
    )
    ok(subprocess.run(["bash", "-euc", script], capture_output=True, text=True))
    copy = evidence / "sources" / "engagement" / "serving.duckdb"
    assert copy.is_file() and not copy.is_symlink()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["serving.duckdb"]
    # WHEN @duckdb/node-api at the pinned version reads every table of the copy
    read = subprocess.run(
        ["node", "-e", READ_EVERY_TABLE_JS, str(copy)],
        cwd=node_api,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    result = json.loads(read.stdout)
    # THEN it is DuckDB 1.5 and it sees every serving view, every row
    assert result["version"].startswith("v1.5.")
    assert pinned_node_api().startswith(result["version"][1:].rsplit(".", 1)[0])
    counts = {name: len(table["rows"]) for name, table in result["tables"].items()}
    assert counts == _serving_views(published_district)
    assert sum(counts.values()) > 1000
    # AND OEA's camelCase columns and the numbers come through
    activity = result["tables"]["sqls2_digital_activity.digital_activity"]
    assert "event_eventTime" in activity["columns"]
    schools = result["tables"]["sqls3_hybrid_engagement.engagement_by_school"]
    students = schools["columns"].index("students")
    published = published_district.query(
        "select sum(students) from sqls3_hybrid_engagement.engagement_by_school",
        "serving",
    )[0][0]
    assert sum(int(row[students]) for row in schools["rows"]) == published


def _publish_again(district: District) -> None:
    """A new publication of the same build, with one more table."""
    with duckdb.connect(str(district.warehouse)) as conn:
        conn.execute("create schema if not exists sqls3_fresh")
        count = conn.execute(
            "select count(*) from duckdb_views() where schema_name = 'sqls3_fresh'"
        ).fetchone()[0]
        conn.execute(f"create view sqls3_fresh.v{count} as select 1 as x")
    ok(run_cli("publish", data_dir=district.data_dir))


def _fresh_tables(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(
        "select count(*) from duckdb_tables() where schema_name = 'sqls3_fresh'"
    ).fetchone()[0]


@pytest.mark.filterwarnings("ignore:duckdb-engine doesn't yet support reflection")
def test_a_long_lived_process_sees_a_new_publication_as_the_guide_says(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district and a process holding serving.duckdb open
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    serving = str(district.serving)
    held = duckdb.connect(serving, read_only=True)
    engine = sa.create_engine(f"duckdb:///{serving}?access_mode=read_only")
    try:
        assert _fresh_tables(held) == 0
        # WHEN it is published again
        _publish_again(district)
        # THEN a new connect() while the process holds the file still returns the
        # old publication (DuckDB's instance cache)
        again = duckdb.connect(serving, read_only=True)
        assert _fresh_tables(again) == 0
        again.close()
        # AND once every connection is closed, a new one sees the new publication
        held.close()
        reopened = duckdb.connect(serving, read_only=True)
        assert _fresh_tables(reopened) == 1
        reopened.close()

        # GIVEN a SQLAlchemy engine (Superset's way) that has connected once
        def fresh() -> int:
            with engine.connect() as conn:
                return conn.execute(
                    sa.text(
                        "select count(*) from duckdb_tables() "
                        "where schema_name = 'sqls3_fresh'"
                    )
                ).scalar_one()

        assert fresh() == 1
        # WHEN it is published again
        _publish_again(district)
        # THEN the pooled connection keeps the old publication until dispose()
        assert fresh() == 1
        engine.dispose()
        assert fresh() == 2
    finally:
        held.close()
        engine.dispose()
    assert os.stat(serving).st_mode & 0o777 == 0o440
