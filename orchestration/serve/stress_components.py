"""The stress index's categories, components and regime edges as the dbt project defines them (vars
`stress_categories` and `stress_regime_edges`), for the readers in Python (status, the report, the MCP server,
`stresswatch history`): the dbt project is their one home."""

from __future__ import annotations

from functools import cache

import yaml

from orchestration.settings import DBT_PROJECT_DIR


@cache
def _project_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def stress_categories() -> dict[str, tuple[str, ...]]:
    """category -> its components, in the index's order."""
    return {category: tuple(components) for category, components in _project_vars()["stress_categories"].items()}


def regime_edges() -> dict[str, float]:
    """regime -> the index value where it starts, rising; below the first edge the index is calm."""
    return {
        "calm": float("-inf"),
        **{
            regime: float(edge)
            for regime, edge in sorted(_project_vars()["stress_regime_edges"].items(), key=lambda item: item[1])
        },
    }


def regime_of(value: float | None) -> str:
    """The regime an index value falls in, as the marts name it."""
    if value is None:
        return "n/a"
    return [regime for regime, edge in regime_edges().items() if value >= edge][-1]


def regime_scale() -> str:
    """The bands in one line: calm < 0 <= elevated < 1 <= ..."""
    parts = list(regime_edges())
    return parts[0] + "".join(f" < {edge:g} <= {regime}" for regime, edge in list(regime_edges().items())[1:])


CATEGORIES = tuple(stress_categories())
COMPONENTS = {component: category for category, components in stress_categories().items() for component in components}


def max_staleness_days() -> int:
    """How old (calendar days) a component's latest score may be on an index day and still count."""
    return int(_project_vars()["stress_max_staleness_days"])


def min_categories() -> int:
    """How many categories need a current score for the index to have a value."""
    return int(_project_vars()["stress_min_categories"])
