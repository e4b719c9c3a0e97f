"""One home per fact: an alert rule is one row of the stress_thresholds seed, a stress component one entry of the var
`stress_categories`; the SQL computes metrics and component values, and nothing else names a rule or a component."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import yaml

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

SEED = DBT_PROJECT_DIR / "seeds" / "stress_thresholds.csv"
ALERTS_SQL = DBT_PROJECT_DIR / "models" / "marts" / "stress" / "fct_stress_alerts.sql"
COMPONENTS_SQL = DBT_PROJECT_DIR / "models" / "stress" / "stress_component_values.sql"


def rules() -> list[dict]:
    return list(csv.DictReader(SEED.open()))


def sources_besides(*skipped: Path, python: str = "orchestration") -> dict[Path, str]:
    """Every model and macro of the dbt project and the Python modules under `python`, except the given files."""
    paths = [*DBT_PROJECT_DIR.joinpath("models").rglob("*.sql"), *DBT_PROJECT_DIR.joinpath("macros").rglob("*.sql")]
    paths += list((PROJECT_ROOT / python).rglob("*.py"))
    return {path: path.read_text() for path in paths if path not in skipped}


def literals(sql: str, alias: str) -> list[str]:
    """The string literals the SQL selects under one alias: `'vix_close' as metric` -> vix_close."""
    return re.findall(rf"'(\w+)' as {alias}\b", sql)


def test_every_rule_reads_a_metric_the_alerts_model_computes_and_every_metric_has_a_rule():
    computed = literals(ALERTS_SQL.read_text(), "metric")
    assert len(computed) == len(set(computed)), Counter(computed)  # one observation branch per metric
    assert {rule["metric"] for rule in rules()} == set(computed)  # no rule that never fires, no metric unread


def test_a_rule_id_is_written_only_in_the_seed():
    ids = {rule["rule_id"] for rule in rules()}
    assert len({(rule["rule_id"], rule["subject"]) for rule in rules()}) == len(rules())
    named = {
        str(path.relative_to(PROJECT_ROOT)): sorted(rule for rule in ids if re.search(rf"['\"]{rule}['\"]", text))
        for path, text in sources_besides(SEED).items()
    }
    assert {path: found for path, found in named.items() if found} == {}


def test_every_component_of_the_registry_is_computed_once_and_nothing_else_is():
    categories = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["stress_categories"]
    registered = [component for components in categories.values() for component in components]
    assert len(registered) == len(set(registered)), Counter(registered)  # a component in one category only
    computed = literals(COMPONENTS_SQL.read_text(), "component")
    assert sorted(computed) == sorted(registered)


def test_no_other_model_or_module_names_a_component():
    categories = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["stress_categories"]
    registered = {component for components in categories.values() for component in components}
    named = {
        str(path.relative_to(PROJECT_ROOT)): sorted(c for c in registered if re.search(rf"['\"]{c}['\"]", text))
        # the readers of the index (serve/); ingest/ computes source columns, one of which shares a name (turbulence)
        for path, text in sources_besides(COMPONENTS_SQL, python="orchestration/serve").items()
    }
    assert {path: found for path, found in named.items() if found} == {}
