"""Compare the marts Spark built (Parquet) with the marts DuckDB built: rows on one side only, values that differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from orchestration.serve.tables import render_table
from orchestration.settings import DBT_PROJECT_DIR

MARTS_SCHEMA_FILE = DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml"
DEFAULT_RELATIVE_TOLERANCE = 1e-9
_NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")


@dataclass
class MartParity:
    """How one mart compares between the two engines."""

    mart: str
    key: list[str]
    rows_duckdb: int = 0
    rows_spark: int = 0
    only_duckdb: int = 0
    only_spark: int = 0
    differing_values: int = 0
    largest_relative_difference: float = 0.0
    problems: list[str] = field(default_factory=list)  # missing mart or columns, examples of differences

    @property
    def matches(self) -> bool:
        return not (self.only_duckdb or self.only_spark or self.differing_values or self.problems)


def mart_keys(schema_file: Path = MARTS_SCHEMA_FILE) -> dict[str, list[str]]:
    """Each mart's key, read off its uniqueness test in the dbt schema file (one place states it)."""
    keys: dict[str, list[str]] = {}
    for model in yaml.safe_load(schema_file.read_text())["models"]:
        for test in model.get("data_tests", []):
            if isinstance(test, dict) and "unique_combination" in test:
                keys[model["name"]] = list(test["unique_combination"]["arguments"]["columns"])
        for column in model.get("columns", []):
            if "unique" in (column.get("data_tests") or []):
                keys.setdefault(model["name"], [column["name"]])
    return keys


def spark_mart_path(spark_dir: Path, mart: str) -> Path:
    return spark_dir / "marts" / mart


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    # build metadata (_built_at) says when each engine ran, not what it computed
    return {name: kind for name, kind, *_ in con.execute(f"describe {relation}").fetchall() if not name.startswith("_")}


def _is_numeric(kind: str) -> bool:
    return kind.upper().startswith(_NUMERIC_TYPES)


def compare_mart(
    con: duckdb.DuckDBPyConnection, mart: str, key: list[str], spark_dir: Path, tolerance: float
) -> MartParity:
    """Full outer join on the key; numbers differ beyond `tolerance` relative, anything else when not identical."""
    parity = MartParity(mart=mart, key=key)
    parquet = spark_mart_path(spark_dir, mart)
    if not any(parquet.glob("*.parquet")):
        parity.problems.append(f"no Spark mart at {parquet}")
        return parity
    con.execute(f"create or replace temp view spark_side as select * from read_parquet('{parquet}/*.parquet')")
    con.execute(f"create or replace temp view duckdb_side as select * from duckdb_marts.marts.{mart}")
    duck_columns, spark_columns = _columns(con, "duckdb_side"), _columns(con, "spark_side")
    for name in sorted(set(duck_columns) ^ set(spark_columns)):
        parity.problems.append(f"column {name} only in {'DuckDB' if name in duck_columns else 'Spark'}")
    parity.rows_duckdb = con.execute("select count(*) from duckdb_side").fetchone()[0]
    parity.rows_spark = con.execute("select count(*) from spark_side").fetchone()[0]
    on = " and ".join(f"d.{c} is not distinct from s.{c}" for c in key)
    parity.only_duckdb = con.execute(f"select count(*) from duckdb_side d anti join spark_side s on {on}").fetchone()[0]
    parity.only_spark = con.execute(f"select count(*) from spark_side s anti join duckdb_side d on {on}").fetchone()[0]
    for column in sorted(set(duck_columns) & set(spark_columns) - set(key)):
        if _is_numeric(duck_columns[column]) and _is_numeric(spark_columns[column]):
            a, b = f"cast(d.{column} as double)", f"cast(s.{column} as double)"
            relative = f"abs({a} - {b}) / greatest(abs({a}), abs({b}))"
            differs = f"(({a} is null) <> ({b} is null)) or ({a} <> {b} and {relative} > {tolerance})"
            worst = f"max(case when {a} <> {b} then {relative} end)"
        else:
            differs = f"cast(d.{column} as varchar) is distinct from cast(s.{column} as varchar)"
            worst = "null"
        count, largest, example = con.execute(
            f"select count(*) filter (where {differs}), {worst}, "
            f"any_value(concat_ws(' ', {', '.join(f'cast(d.{c} as varchar)' for c in key)}, ':', "
            f"cast(d.{column} as varchar), 'vs', cast(s.{column} as varchar))) filter (where {differs}) "
            f"from duckdb_side d join spark_side s on {on}"
        ).fetchone()
        parity.differing_values += count
        if largest is not None:
            parity.largest_relative_difference = max(parity.largest_relative_difference, largest)
        if count:
            parity.problems.append(f"{column}: {count} values differ (e.g. {example})")
    return parity


def compare_engines(
    duckdb_path: Path, spark_dir: Path, tolerance: float = DEFAULT_RELATIVE_TOLERANCE
) -> list[MartParity]:
    """Every mart with a key in the dbt schema file, DuckDB's published file against Spark's Parquet directory."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{duckdb_path}' as duckdb_marts (read_only)")
        return [compare_mart(con, mart, key, spark_dir, tolerance) for mart, key in mart_keys().items()]
    finally:
        con.close()


def format_parity(results: list[MartParity], tolerance: float = DEFAULT_RELATIVE_TOLERANCE) -> str:
    """A table per mart, then the differences found."""
    columns = (
        "mart",
        "rows duckdb",
        "rows spark",
        "only duckdb",
        "only spark",
        f"values > {tolerance:g}",
        "max rel diff",
    )
    cells = [
        (
            r.mart,
            f"{r.rows_duckdb:,}",
            f"{r.rows_spark:,}",
            f"{r.only_duckdb:,}",
            f"{r.only_spark:,}",
            f"{r.differing_values:,}",
            f"{r.largest_relative_difference:.1e}",
        )
        for r in results
    ]
    lines = [render_table(columns, cells, right=range(1, 7))]
    for r in results:
        lines += [f"{r.mart}: {problem}" for problem in r.problems]
    verdict = "match" if all(r.matches for r in results) else "DIFFER"
    lines.append(
        f"\nThe engines {verdict}: {sum(r.matches for r in results)} of {len(results)} marts identical "
        f"(numbers within {tolerance:g} relative)."
    )
    return "\n".join(lines)
