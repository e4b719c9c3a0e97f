"""The stress index's categories and components as the dbt project defines them (var `stress_categories`), for the
readers in Python (status, the report, the MCP server, `stresswatch history`): one home for the map."""

from __future__ import annotations

from functools import cache

import yaml

from orchestration.settings import DBT_PROJECT_DIR


@cache
def stress_categories() -> dict[str, tuple[str, ...]]:
    """category -> its components, in the index's order."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return {category: tuple(components) for category, components in project["vars"]["stress_categories"].items()}


CATEGORIES = tuple(stress_categories())
COMPONENTS = {component: category for category, components in stress_categories().items() for component in components}
