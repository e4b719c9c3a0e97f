"""The house's rules, read from the source: folders along the data's way, Dagster only in its own folder, small
modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "orchestration"
DAGSTER_FREE = ("ingest", "publish", "serve")  # plain Python: usable without the orchestrator
DAGSTER_HOMES = ("defs",)
TOP_LEVEL = {"__init__.py", "cli.py", "definitions.py", "settings.py"}
MAX_LINES = 300


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "data_docs_assets" not in path.parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def folder_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else ""


def test_the_package_holds_the_four_folders_and_only_the_entry_points_on_top():
    assert {path.name for path in PACKAGE.iterdir() if path.suffix == ".py"} == TOP_LEVEL
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and not path.name.startswith("__")}
    assert folders == {*DAGSTER_FREE, *DAGSTER_HOMES}


@pytest.mark.parametrize("folder", DAGSTER_FREE)
def test_ingest_publish_and_serve_never_import_dagster_or_its_definitions(folder):
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] in {"dagster", "dagster_dbt", "dagster_webserver"}
            or name.startswith(("orchestration.defs", "orchestration.definitions", "orchestration.cli"))
        )
        for path in modules()
        if folder_of(path) == folder
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_dagster_is_imported_only_in_defs_definitions_and_the_cli():
    importers = {
        str(path.relative_to(PACKAGE))
        for path in modules()
        if any(name.split(".")[0].startswith("dagster") for name in imported_modules(path))
    }
    assert importers, "the walk found no Dagster import at all: the test reads the wrong tree"
    assert {module for module in importers if folder_of(Path(PACKAGE / module)) not in DAGSTER_HOMES} <= {
        "definitions.py",
        "cli.py",
    }


def test_no_module_is_over_300_lines():
    sizes = {str(path.relative_to(PACKAGE)): len(path.read_text().splitlines()) for path in modules()}
    assert {module: lines for module, lines in sizes.items() if lines > MAX_LINES} == {}


def test_the_dbt_layers_read_only_downward_and_marts_sit_in_their_subject_folders():
    """staging reads sources, intermediate reads staging (never a mart), marts sit in a subject folder."""
    import re

    models = PACKAGE.parent / "dbt_project" / "models"
    reads_a_mart = {
        path.name for path in (models / "intermediate").glob("*.sql") if re.search(r"ref\('fct_", path.read_text())
    }
    assert reads_a_mart == set()
    assert not list((models / "marts").glob("*.sql"))  # each mart in markets/, rates_credit/, auctions/, ...
    assert {path.parent.name for path in (models / "marts").rglob("*.sql")} == {
        "markets",
        "rates_credit",
        "auctions",
        "filings",
        "stress",
    }
