"""Check the dbt project's house rules on its manifest (`make lint` runs it).

Run after `dbt parse` (no data needed): `python scripts/check_project.py MANIFEST`.
Prints one line per violation and exits 1 when there is any.

Layers are folders (dbt_project.yml makes them schemas):

    base          models/staging/<source>/base/   base_<source>__<table>
    staging       models/staging/<source>/        stg_<source>__<entity>
    intermediate  models/intermediate/<area>/     int_<source or area>__<verb phrase>
    marts         models/hybrid_engagement/, models/clever_usage/,
                  models/digital_engagement/      fct_, dim_, rpt_ or msr_ names
    audit         models/audit/                   the quality tables' own names
    pii           models/pii/                     <what>_lookup
    serving       models/serving/<schema>/        <schema>__<view>, alias = <view>

Each layer reads only the layers below it (no upward references):

    base          sources, base (base_loader__current_files picks file versions)
    staging       base, seeds
    intermediate  staging, intermediate
    marts         intermediate, staging, marts, seeds
    audit         base, staging, intermediate, marts, audit, seeds (it counts what
                  went in against what came out, so it reads every layer)
    pii           base (the lookups pair raw ids with pseudonyms, in restricted)
    serving       marts, audit

and every model has a primary-key test (`unique` + `not_null` on one column, or
`unique_combination_of_columns`, without a `where`; or `not_null` on a column and
`row_count_matches` against a model where that column is a key; a column listed in
the model's `not_null_columns` test counts as `not_null`), a description on
the model and each of its columns (sources and seeds too), an enforced contract when
it is public (every serving model is public), and `source()` only in base_ models.
No two YAML files of the project share a name (one YAML per folder, named after it).
Personal data stays in restricted.duckdb: base and pii models are built in the
attached `restricted` database (dbt_project.yml, `base: *base_views` per source),
and no other model is.

Two checks keep a new source from being half wired (docs/adding-a-source.md): every
activity mapping in models/intermediate/digital_engagement/ is unioned by
digital_activity_signals, and every staging model of a delivered table is counted
by the audit model delivered_files.

EXCEPTIONS below lists each deliberate departure and why.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

MART_FOLDERS = ("hybrid_engagement", "clever_usage", "digital_engagement")
# (folder of the models, model that must read each of them)
MUST_BE_READ = (
    ("intermediate/digital_engagement", "digital_activity_signals"),
    ("staging", "delivered_files"),
)
MART_PREFIXES = ("fct_", "dim_", "rpt_", "msr_")
# The DuckDB file of raw ids and names, attached under this name (profiles.yml).
RESTRICTED_DATABASE = "restricted"
PROJECT_DIR = Path(__file__).resolve().parents[1]
YAML_FOLDERS = ("models", "seeds", "macros", "tests", "snapshots", "analyses")

READS = {
    "base": {"source", "base"},
    "staging": {"base", "seed"},
    "intermediate": {"staging", "intermediate"},
    "marts": {"intermediate", "staging", "marts", "seed"},
    "audit": {"base", "staging", "intermediate", "marts", "audit", "seed"},
    "pii": {"base"},
    "serving": {"marts", "audit"},
}

# (rule, model, detail) -> why. `detail` is the parent for a "reads" exception and
# empty for a "name" exception.
EXCEPTIONS = {
    (
        "reads",
        "sqls2_clever__daily_participation_pseudo",
        "stg_clever__daily_participation",
    ): "OEA's sqls2 *_pseudo views are the pseudonymized source tables themselves; "
    "a mart in between would be a copy of staging",
    (
        "reads",
        "sqls2_clever__resource_usage_pseudo",
        "stg_clever__resource_usage",
    ): "OEA's sqls2 *_pseudo views are the pseudonymized source tables themselves",
    (
        "reads",
        "sqls2_contoso_sis__studentattendance_pseudo",
        "stg_contoso_sis__studentattendance",
    ): "OEA's sqls2 *_pseudo views are the pseudonymized source tables themselves",
    ("name", "digital_activity", ""): "OEA's table name (Digital Engagement Schema), "
    "a public contract",
    ("name", "digital_activity_signals", ""): "the incremental store behind "
    "digital_activity, named after it; a new name would rebuild every district's "
    "history",
}


def layer_of(path: str) -> tuple[str, str]:
    """(layer, folder name that qualifies it) for a model's path below models/."""
    parts = Path(path).parts
    if parts[0] == "staging" and len(parts) == 4 and parts[2] == "base":
        return "base", parts[1]
    if parts[0] == "staging" and len(parts) == 3:
        return "staging", parts[1]
    if parts[0] == "intermediate" and len(parts) == 3:
        return "intermediate", parts[1]
    if parts[0] in MART_FOLDERS and len(parts) == 2:
        return "marts", parts[0]
    if parts[0] in ("audit", "pii") and len(parts) == 2:
        return parts[0], parts[0]
    if parts[0] == "serving" and len(parts) == 3:
        return "serving", parts[1]
    return "unknown", ""


def check(manifest: dict) -> list[str]:
    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    layers = {uid: layer_of(n["path"]) for uid, n in models.items()}
    staging_sources = {folder for layer, folder in layers.values() if layer == "base"}
    staging_sources |= {f for layer, f in layers.values() if layer == "staging"}
    used: set[tuple[str, str, str]] = set()
    problems: list[str] = []

    def report(rule: str, model: str, detail: str, message: str) -> None:
        key = (rule, model, detail)
        if key in EXCEPTIONS:
            used.add(key)
            return
        problems.append(f"{model}: {message}")

    tests = defaultdict(list)
    for test in nodes.values():
        if test["resource_type"] == "test" and test.get("attached_node"):
            tests[test["attached_node"]].append(test)

    for uid, model in sorted(models.items(), key=lambda item: item[1]["path"]):
        name = model["name"]
        layer, folder = layers[uid]
        if layer == "unknown":
            report("layer", name, "", f"models/{model['path']} is in no layer folder")
            continue
        _check_name(name, layer, folder, model, staging_sources, report)
        in_restricted = model["database"] == RESTRICTED_DATABASE
        if in_restricted != (layer in ("base", "pii")):
            where = "in" if in_restricted else "outside"
            report(
                "database",
                name,
                "",
                f"{layer} model is built {where} restricted.duckdb (see the "
                "`base: *base_views` entries in dbt_project.yml)",
            )
        for parent in model["depends_on"]["nodes"]:
            kind = parent.split(".")[0]
            if kind == "source":
                parent_layer, parent_name = "source", parent.split(".", 2)[2]
            elif kind == "seed":
                parent_layer, parent_name = "seed", nodes[parent]["name"]
            else:
                parent_layer, parent_name = layers[parent][0], nodes[parent]["name"]
            if parent_layer == "source" and layer != "base":
                report("source", name, parent_name, "source() outside a base_ model")
            elif parent_layer not in READS[layer]:
                report(
                    "reads",
                    name,
                    parent_name,
                    f"{layer} model reads {parent_layer} model {parent_name}",
                )
        if not _has_primary_key_test(uid, tests):
            report(
                "key",
                name,
                "",
                "no primary-key test (unique + not_null, or "
                "unique_combination_of_columns, or not_null + row_count_matches "
                "against a model whose column of that name has one)",
            )
        _check_descriptions(name, model, report)
        public = model["config"].get("access", model.get("access")) == "public"
        if layer == "serving" and not public:
            report("contract", name, "", "serving model is not access: public")
        if public and not model["config"].get("contract", {}).get("enforced"):
            report("contract", name, "", "public model without an enforced contract")

    _check_wiring(models, report)

    for kind in ("source", "seed"):
        collection = manifest["sources"] if kind == "source" else nodes
        for node in collection.values():
            if node["resource_type"] != kind:
                continue
            label = f"{kind} {node.get('source_name', '')}.{node['name']}".replace(
                " .", " "
            )
            _check_descriptions(label, node, report)

    problems += _duplicate_yaml_names(PROJECT_DIR)

    for key, why in EXCEPTIONS.items():
        if key not in used:
            problems.append(f"scripts/check_project.py: unused exception {key}: {why}")
    return problems


def _duplicate_yaml_names(project_dir: Path) -> list[str]:
    by_name = defaultdict(list)
    for folder in YAML_FOLDERS:
        for path in sorted((project_dir / folder).rglob("*.y*ml")):
            by_name[path.name].append(str(path.relative_to(project_dir)))
    return [
        f"{name}: the same YAML file name in {', '.join(paths)}"
        for name, paths in sorted(by_name.items())
        if len(paths) > 1
    ]


def _check_wiring(models: dict, report) -> None:
    """Each activity mapping feeds digital_activity_signals; each staging model of
    a delivered table (one with lineage, so not the loader's own) feeds
    delivered_files."""
    by_name = {model["name"]: model for model in models.values()}
    for folder, reader_name in MUST_BE_READ:
        reader = by_name.get(reader_name)
        read = set(reader["depends_on"]["nodes"]) if reader else set()
        for uid, model in models.items():
            in_folder = str(Path(model["path"]).parent) == folder or (
                folder == "staging" and layer_of(model["path"])[0] == "staging"
            )
            if not in_folder or uid in read:
                continue
            if folder == "staging" and "_source_file" not in model["columns"]:
                continue
            report(
                "wiring",
                model["name"],
                reader_name,
                f"not read by {reader_name} (see docs/adding-a-source.md)",
            )


def _check_name(name, layer, folder, model, staging_sources, report) -> None:
    if layer == "base":
        ok = name.startswith(f"base_{folder}__")
        expected = f"base_{folder}__<table>"
    elif layer == "staging":
        ok = name.startswith(f"stg_{folder}__")
        expected = f"stg_{folder}__<entity>"
    elif layer == "intermediate":
        match = re.fullmatch(r"int_([a-z0-9_]+?)__[a-z0-9_]+", name)
        ok = bool(match) and match.group(1) in staging_sources | {folder}
        expected = f"int_<source or {folder}>__<verb phrase>"
    elif layer == "marts":
        ok = name.startswith(MART_PREFIXES)
        expected = "fct_, dim_, rpt_ or msr_<name>"
    elif layer == "pii":
        ok = name.endswith("_lookup")
        expected = "<what>_lookup"
    elif layer == "serving":
        view = name.removeprefix(f"{folder}__")
        ok = name.startswith(f"{folder}__") and model["config"].get("alias") == view
        ok = ok and model["config"].get("schema") == folder
        expected = f"{folder}__<view> with alias <view> in schema {folder}"
    else:
        return
    if not ok:
        report("name", name, "", f"{layer} model should be named {expected}")


def _has_primary_key_test(uid: str, tests: dict[str, list[dict]]) -> bool:
    """Whether the model's grain is tested: `unique_combination_of_columns`, or a
    column that is a key (see _key_columns)."""
    if any(
        _test_name(test) == "unique_combination_of_columns"
        for test in _whole(tests[uid])
    ):
        return True
    return bool(_key_columns(uid, tests))


def _key_columns(uid: str, tests: dict[str, list[dict]]) -> set[str]:
    """The model's columns tested as keys: `unique` + `not_null` (the column's own
    or one of the model's `not_null_columns`), or kept from a model it has all the
    rows of (`not_null` on the column, `row_count_matches` against a model where
    that column is a key). A view over a large table then
    costs a count instead of grouping every key again."""
    by_column = defaultdict(set)
    for test in _whole(tests[uid]):
        if test.get("column_name"):
            by_column[test["column_name"]].add(_test_name(test))
        elif _test_name(test) == "not_null_columns":
            for column in test["test_metadata"]["kwargs"]["column_names"]:
                by_column[column].add("not_null")
    keys = {
        column for column, names in by_column.items() if {"unique", "not_null"} <= names
    }
    not_null = {column for column, names in by_column.items() if "not_null" in names}
    for test in _whole(tests[uid]):
        kwargs = test["test_metadata"]["kwargs"] if _test_name(test) else {}
        # every row counted, rows against rows (a filter on the compared model only
        # narrows the rows whose key is unique)
        whole = not {"model_filter", "compare_count"} & kwargs.keys()
        if _test_name(test) == "row_count_matches" and whole:
            for compared in test["depends_on"]["nodes"]:
                if compared != uid:
                    keys |= not_null & _key_columns(compared, tests)
    return keys


def _whole(tests: list[dict]) -> list[dict]:
    """The tests that cover every row (no `where`)."""
    return [test for test in tests if not test["config"].get("where")]


def _test_name(test: dict) -> str | None:
    return (test.get("test_metadata") or {}).get("name")


def _check_descriptions(label: str, node: dict, report) -> None:
    if not node.get("description", "").strip():
        report("description", label, "", "no description")
    if not node.get("columns"):
        report("description", label, "", "no column is documented")
    for column in node.get("columns", {}).values():
        if not column.get("description", "").strip():
            report(
                "description",
                label,
                column["name"],
                f"column {column['name']} has no description",
            )


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "target/manifest.json")
    problems = check(json.loads(path.read_text()))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
