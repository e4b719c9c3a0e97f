"""A source family is one spec (ingest/source_specs.py) plus what each raw table needs once: its columns, suite,
dbt source, staging model and clients. A piece present in one place only fails here."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
import yaml

from orchestration.ingest.freshness import deadlines
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.source_specs import FAMILY_FOLDERS, SPECS, table_source
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

TABLES = [source.table for spec in SPECS.values() for source in spec.tables]


def test_every_raw_table_is_loaded_by_exactly_one_family():
    assert sorted(TABLES) == sorted(RAW_TABLES) and len(TABLES) == len(set(TABLES))
    assert len(FAMILY_FOLDERS) == len(set(FAMILY_FOLDERS))  # a data-directory folder feeds one table


@pytest.mark.parametrize("table", TABLES)
def test_each_table_has_its_suite_dbt_source_staging_model_and_clients(table):
    spec, source = table_source(table)
    assert (PROJECT_ROOT / "expectations" / f"{table}.json").is_file()
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_raw__sources.yml").read_text())
    raw = next(entry for entry in sources["sources"] if entry["name"] == "raw")
    assert table in {entry["name"] for entry in raw["tables"]}
    staging = [
        path.name
        for path in (DBT_PROJECT_DIR / "models" / "staging").glob("stg_*.sql")
        if re.search(rf"source\('raw', '{table}'\)", path.read_text())
    ]
    assert len(staging) == 1, staging
    for target in (source.replay, source.live):
        module, _, name = target.partition(":")
        built = getattr(import_module(module), name)
        assert callable(built), target
    replay_class = getattr(import_module(source.replay.partition(":")[0]), source.replay.partition(":")[2])
    assert replay_class.raw_table == table and replay_class.family == spec.family
    assert replay_class.entity_column == RAW_TABLES[table].entity_column


def test_every_family_has_a_deadline():
    assert set(deadlines()) == set(SPECS)
