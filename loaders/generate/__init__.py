"""The sample-district generator: delivered files for every source, from one seed."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import duckdb

from loaders.generate import clever, contoso_sis, district, graph, insights, iready
from loaders.generate.district import DistrictSpec
from loaders.settings import duckdb_memory_limit

log = logging.getLogger(__name__)

WRITERS = {
    "clever": clever.write,
    "contoso_sis": contoso_sis.write,
    "insights": insights.write,
    "iready": iready.write,
    "graph": graph.write,
}


def generate(spec: DistrictSpec, landing_dir: Path) -> dict[str, dict[str, int]]:
    """Write the sample district's deliveries into the landing tree; return the row
    counts written per source and report."""
    started = time.monotonic()
    counts: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="he-generate-") as scratch:
        conn = duckdb.connect(
            config={"memory_limit": duckdb_memory_limit(), "temp_directory": scratch}
        )
        district.build(conn, spec)
        for source, write in WRITERS.items():
            counts[source] = write(conn, landing_dir)
        conn.close()
    log.info(
        "generated %s students, %s schools, %s school years of %s school days "
        "in %.1fs: %s",
        f"{spec.students:,}",
        spec.schools,
        spec.years,
        spec.days,
        time.monotonic() - started,
        "; ".join(
            f"{source} {report} {rows:,} rows"
            for source, reports in counts.items()
            for report, rows in reports.items()
        ),
    )
    return counts
