"""The dbt docs site: everything described, one self-contained HTML file, and the
lineage of digital_activity drawn in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.cli import DBT_TARGET, PROJECT_DIR, ok, run_cli
from helpers.district import District, PublishedDistrict, copy_district

pytestmark = pytest.mark.slow

SCREENSHOT = PROJECT_DIR / "build" / "artifacts" / "docs_lineage.png"
OVERVIEW_SCREENSHOT = SCREENSHOT.with_name("docs_overview.png")
DIGITAL_ACTIVITY = "model.hybrid_engagement.digital_activity"
# Dispatched implementations are documented by the macro that dispatches to them.
DISPATCH_IMPLEMENTATION = re.compile(r"^[a-z]+__")


def _undescribed(manifest: dict, catalog: dict) -> list[str]:
    missing = []
    documented = {**manifest["nodes"], **manifest["sources"]}
    for unique_id, node in documented.items():
        if node["resource_type"] not in {"model", "seed", "snapshot", "source"}:
            continue
        if not node["description"].strip():
            missing.append(unique_id)
        if node["resource_type"] == "source" and not node["source_description"]:
            missing.append(f"{unique_id} (the source {node['source_name']})")
        listed = {name.lower() for name in node["columns"]}
        missing += [
            f"{unique_id}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
        # Columns the relation really has, whether or not its YAML lists them.
        built = {**catalog["nodes"], **catalog["sources"]}.get(unique_id)
        if built:
            missing += [
                f"{unique_id}.{name} (not in the YAML)"
                for name in built["columns"]
                if name.lower() not in listed
            ]
    missing += [
        unique_id
        for unique_id, exposure in manifest["exposures"].items()
        if not exposure["description"].strip()
    ]
    missing += [
        unique_id
        for unique_id, macro in manifest["macros"].items()
        if macro["package_name"] == "hybrid_engagement"
        and not DISPATCH_IMPLEMENTATION.match(macro["name"])
        and not macro["description"].strip()
    ]
    return missing


def test_every_source_model_column_and_exposure_is_described(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN dbt's manifest and the catalog of what the build really created
    district = copy_district(built_district, tmp_path / "district", landing=False)
    ok(run_cli("docs", data_dir=district.data_dir))
    manifest = json.loads((DBT_TARGET / "manifest.json").read_text())
    catalog = json.loads((DBT_TARGET / "catalog.json").read_text())
    assert len(catalog["nodes"]) >= 10 and len(catalog["sources"]) >= 4
    # THEN nothing lacks a description
    assert _undescribed(manifest, catalog) == []
    # AND the overview page explains the layers and the privacy model
    overview = manifest["docs"]["doc.hybrid_engagement.__overview__"]
    assert "## The layers" in overview["block_contents"]
    assert "## The privacy model" in overview["block_contents"]
    # AND the check itself catches an undescribed column
    node = manifest["nodes"][DIGITAL_ACTIVITY]
    node["columns"]["event_id"]["description"] = ""
    assert _undescribed(manifest, catalog) == [f"{DIGITAL_ACTIVITY}.event_id"]


# What the page drew for each visible node of the lineage graph: its label, and
# whether any of the graph's canvas layers has paint at the node's position.
DRAWN_NODES = """() => {
    const host = document.getElementById('cy');
    const cy = host._cyreg.cy;
    const layers = [...host.querySelectorAll('canvas')];
    const painted = (x, y) => layers.some((canvas) => {
        const scale = canvas.width / canvas.getBoundingClientRect().width;
        const pixel = canvas.getContext('2d')
            .getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data;
        return pixel[3] > 0;
    });
    return cy.nodes(':visible').map((node) => {
        const at = node.renderedPosition();
        return [node.id(), node.data('label'), painted(at.x, at.y)];
    });
}"""


def _ancestors(manifest: dict, unique_id: str) -> set[str]:
    found: set[str] = set()
    todo = [unique_id]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def test_docs_site_draws_the_lineage_of_digital_activity(
    published_district: PublishedDistrict, browser: object
) -> None:
    # GIVEN the static docs the pipeline wrote, and digital_activity's ancestors
    # according to dbt's manifest
    html = published_district.docs
    manifest = json.loads((DBT_TARGET / "manifest.json").read_text())
    ancestors = _ancestors(manifest, DIGITAL_ACTIVITY)
    assert {
        "model.hybrid_engagement.int_clever__daily_participation_activity",
        "source.hybrid_engagement.clever.daily_participation",
    } <= ancestors
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    outside: list[str] = []
    page.route(
        re.compile(r"^https?://"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # WHEN it is opened from disk: first the overview page
    page.goto(f"{html.as_uri()}#!/overview")
    for heading in ("Hybrid Engagement on DuckDB", "The layers", "The privacy model"):
        page.get_by_role("heading", name=heading).wait_for()
    page.screenshot(path=str(OVERVIEW_SCREENSHOT), full_page=True)
    # AND then digital_activity's page, with its lineage shown in full
    page.goto(f"{html.as_uri()}#!/model/{DIGITAL_ACTIVITY}")
    page.get_by_role("heading", name="digital_activity").first.wait_for()
    page.click('a[title="View Lineage Graph"]')
    page.click('a[title="View Fullscreen"]')
    page.wait_for_function(
        "() => { const h = document.getElementById('cy');"
        " return h && h._cyreg && h._cyreg.cy.nodes(':visible').length > 3; }"
    )
    page.wait_for_timeout(1000)  # let the layout animation settle
    drawn = {
        node_id: (label, painted)
        for node_id, label, painted in page.evaluate(DRAWN_NODES)
    }
    page.mouse.move(800, 990)  # no tooltip over the picture
    page.screenshot(path=str(SCREENSHOT))
    page.close()
    # THEN digital_activity and every one of its ancestors is drawn on the graph
    assert drawn[DIGITAL_ACTIVITY] == ("digital_activity", True)
    assert {
        node: drawn.get(node, ("", False))[1] for node in ancestors
    } == dict.fromkeys(ancestors, True)
    # AND the page needed nothing from the network and raised no error
    assert outside == []
    assert errors == []
    assert SCREENSHOT.stat().st_size > 10_000
