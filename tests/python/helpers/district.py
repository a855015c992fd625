"""Small generated districts and the paths and queries tests use on them."""

from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from helpers.cli import PROJECT_DIR, ok, run_cli

OEA_TEST_DATA = Path(
    os.environ.get("HE_OEA_TEST_DATA", PROJECT_DIR.parent / "shared" / "oea_test_data")
)


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A delivered file read with Python's csv module: the independent count."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class District:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def restricted(self) -> Path:
        return self.data_dir / "restricted.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def previous(self) -> Path:
        return self.data_dir / "serving.previous.duckdb"

    @property
    def docs(self) -> Path:
        return self.data_dir / "docs" / "index.html"

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.landing.glob(pattern))

    def rows(self, pattern: str) -> list[dict[str, str]]:
        return [row for path in self.files(pattern) for row in csv_rows(path)]

    def query(
        self, sql: str, database: str = "warehouse", parameters: list | None = None
    ) -> list[tuple]:
        path = {
            "warehouse": self.warehouse,
            "restricted": self.restricted,
            "serving": self.serving,
        }[database]
        with duckdb.connect(str(path), read_only=True) as conn:
            return conn.execute(sql, parameters).fetchall()

    def scalar(self, sql: str, database: str = "warehouse") -> object:
        return self.query(sql, database)[0][0]


SMALL = ("--students", "60", "--schools", "3", "--days", "8", "--seed", "7")


def generate(data_dir: Path, *options: str) -> District:
    ok(run_cli("generate", *(options or SMALL), data_dir=data_dir))
    return District(data_dir)


def copy_district(
    district: District, target: Path, *, landing: bool = True
) -> District:
    """A copy of the district's folder (without its landing folder, unless asked), for
    a test that changes what it is given."""
    ignored = shutil.ignore_patterns() if landing else shutil.ignore_patterns("landing")
    shutil.copytree(district.data_dir, target, ignore=ignored)
    return District(target)


# Schools of 5, 6 and 11 students: small cells on both sides of the default 10 (one
# school year, so that every student counts once).
FEW_STUDENTS = (
    *("--students", "22", "--schools", "3", "--days", "5", "--seed", "11"),
    *("--years", "1"),
)


def land_oea_sample(oea_data: Path, landing: Path) -> None:
    """OEA's published test data, in the landing tree as OEA publishes it."""
    shutil.copytree(oea_data / "clever", landing / "clever")
    for batch in ("batch1", "batch2"):
        shutil.copytree(
            oea_data / "contoso_sis" / batch, landing / "contoso_sis" / batch
        )
    shutil.copytree(oea_data / "insights/k12", landing / "insights/k12")
    shutil.copytree(
        oea_data / "insights/activity_sample", landing / "insights/activity_sample"
    )
    shutil.copytree(oea_data / "graph/k12", landing / "graph/k12")
    shutil.copytree(oea_data / "iready", landing / "iready")
    for path in landing.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


# A serving view with a mixed-case name, as OEA's `Student_pseudo`: the published file,
# BI tools and PostgreSQL must keep its case. Created directly in the warehouse, the
# way a new serving model would appear, to show that publishing needs no code change.
MIXED_CASE_VIEW = ("sqls3_case_check", "Student_pseudo")


@dataclass(frozen=True)
class PublishedDistrict(District):
    pipeline_output: str = ""

    @property
    def manifest(self) -> Path:
        """dbt's manifest of the build that was published, kept beside the district:
        the worker's target folder holds the last dbt run's, whose --vars (and with
        them the descriptions) may be another test's."""
        return self.data_dir.parent / "manifest.json"
