"""The expectation suites run as SQL inside DuckDB: the suites' JSON files stay the one definition of every check.

Each expectation of `expectations/<raw table>.json` becomes a predicate naming its unexpected rows (or, for the
table-level ones, a value read from the relation's schema or one aggregate). One pass over the relation counts every
row-level expectation; only a failing one reads its first few rows (key, file and line) as examples. So a full
load's tens of millions of staged rows are checked where they are, and the result of each expectation has the shape
Great Expectations gives (`unexpected_count`, `unexpected_index_list`, `observed_value`): the gate turns both into the
same failures, and `tests/ingest/test_suite_sql.py` holds the two engines to the same verdicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

import duckdb

from orchestration.ingest.raw_tables import RawTable
from orchestration.ingest.sources.values import ORIGIN_COLUMNS
from orchestration.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
ROW_NUMBER = "_row"  # the relation's row order: examples are its first unexpected rows, as GX lists them
DAY_NUMBER = "_day_number"  # days since 1970-01-01 of the row's date (the future-date check reads it)
KEY = "_key"  # the natural key's parts joined with '|' (the uniqueness check names it)
ORIGIN = tuple(ORIGIN_COLUMNS)  # each row's file and line, when the relation has them
EXAMPLES = 3

# GX on pandas compares a column's dtype name; the same names for the DuckDB types a relation can hold
_DTYPE_NAMES = {
    "DOUBLE": "float64",
    "FLOAT": "float32",
    "BIGINT": "int64",
    "INTEGER": "int32",
    "VARCHAR": "object",
    "DATE": "datetime64[ns]",
    "BOOLEAN": "bool",
}


@cache
def suite(table_name: str) -> dict:
    """The raw table's suite as written in expectations/<table>.json."""
    return json.loads((EXPECTATIONS_DIR / f"{table_name}.json").read_text())


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    return repr(value)


def _resolve(value: object, parameters: dict) -> object:
    """A suite value, or the run's value for a {"$PARAMETER": name} placeholder."""
    return parameters[value["$PARAMETER"]] if isinstance(value, dict) and "$PARAMETER" in value else value


def _row_condition(condition: dict | None) -> str:
    """GX's comparison row condition as SQL; a null never equals, and differs from, any value (as in pandas)."""
    if not condition:
        return "true"
    column, operator, value = condition["column"]["name"], condition["operator"], condition["parameter"]
    if operator == "==":
        return f"{column} = {_literal(value)}"
    if operator == "!=":
        return f"{column} is distinct from {_literal(value)}"
    if operator.upper() == "IN":
        return f"{column} in ({', '.join(_literal(item) for item in value)})"
    raise ValueError(f"row condition operator {operator!r} has no SQL form here: {condition}")


def _between(column: str, kwargs: dict, parameters: dict) -> str:
    """The rows outside the bounds (nulls are not checked, as in GX)."""
    outside = []
    low, high = _resolve(kwargs.get("min_value"), parameters), _resolve(kwargs.get("max_value"), parameters)
    if low is not None:
        outside.append(f"{column} {'<=' if kwargs.get('strict_min') else '<'} {_literal(low)}")
    if high is not None:
        outside.append(f"{column} {'>=' if kwargs.get('strict_max') else '>'} {_literal(high)}")
    return f"{column} is not null and ({' or '.join(outside) or 'false'})"


def _pair(kwargs: dict) -> str:
    """Rows where column_A is not above (or equal to) column_B; missing values as GX's `ignore_row_if` says."""
    a, b = kwargs["column_A"], kwargs["column_B"]
    ignored = {
        "either_value_is_missing": f"{a} is null or {b} is null",
        "both_values_are_missing": f"{a} is null and {b} is null",
        "neither": "false",
    }[kwargs.get("ignore_row_if", "both_values_are_missing")]
    holds = f"{a} {'>=' if kwargs.get('or_equal') else '>'} {b}"
    return f"not ({ignored}) and not coalesce({holds}, false)"


def unexpected_rows(expectation: dict, parameters: dict) -> str | None:
    """The predicate naming an expectation's unexpected rows, or None for a table-level expectation."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    column = kwargs.get("column")
    if kind == "expect_column_values_to_not_be_null":
        found = f"{column} is null"
    elif kind == "expect_column_values_to_be_null":
        found = f"{column} is not null"
    elif kind == "expect_column_values_to_be_between":
        found = _between(column, kwargs, parameters)
    elif kind == "expect_column_values_to_be_in_set":
        found = f"{column} is not null and {column} not in ({', '.join(map(_literal, kwargs['value_set']))})"
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        found = _pair(kwargs)
    elif kind in (
        "expect_table_columns_to_match_set",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_be_unique",
        "expect_column_max_to_be_between",
    ):
        return None
    else:
        raise ValueError(f"{kind} has no SQL form here: add it to orchestration/ingest/suite_sql.py")
    return f"({_row_condition(kwargs.get('row_condition'))}) and ({found})"


def derived_columns(table: RawTable) -> dict[str, str]:
    """The columns the suites check beside the table's own: name -> SQL over the relation."""
    key_parts = ", ".join(f"coalesce(cast({column} as varchar), '')" for column in table.key)
    derived = {
        KEY: f"concat_ws('|', {key_parts})",
        DAY_NUMBER: f"date_diff('day', date '1970-01-01', {table.date_column})",
    }
    if table.name == "price_bars":
        # how far the open or close lies outside the day's low-high range, as a share of the close
        derived["_ohlc_excess_pct"] = (
            "100 * greatest(low - least(open, close), greatest(open, close) - high, 0) / close"
        )
    return derived


@dataclass
class ExpectationResult:
    """One expectation's outcome in Great Expectations' result shape (what Data Docs and the gate read)."""

    expectation: dict
    success: bool
    result: dict


class SuiteRun:
    """The suite of one raw table over one DuckDB relation (a registered batch or a staging table). `key_unique`:
    the relation's natural key is known unique (its rows proven in key order, key_order.py), so its uniqueness check
    groups nothing."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: RawTable,
        relation: str,
        parameters: dict,
        key_unique: bool = False,
    ):
        self.con, self.table, self.parameters, self.key_unique = con, table, parameters, key_unique
        derived = derived_columns(table)
        self.columns = [name for (name,) in con.execute(f"select column_name from (describe {relation})").fetchall()]
        self.types = dict(con.execute(f"select column_name, column_type from (describe {relation})").fetchall())
        self.view = f"suite_input_{table.name}"
        extra = ", ".join(f"{sql} as {name}" for name, sql in derived.items() if name not in self.columns)
        extra = f", {extra}" if extra else ""
        con.execute(f"create or replace temp view {self.view} as select *{extra} from {relation}")
        self.visible = [name for name in self.columns if name != ROW_NUMBER] + [
            name for name in derived if name not in self.columns
        ]

    def run(self) -> list[ExpectationResult]:
        """Every expectation of the suite, in the suite's order."""
        try:
            expectations = suite(self.table.name)["expectations"]
            # a batch without a column an expectation reads fails that expectation (GX reports it the same way)
            missing = {i: self._missing(e) for i, e in enumerate(expectations)}
            predicates = {i: unexpected_rows(e, self.parameters) for i, e in enumerate(expectations) if not missing[i]}
            counted = {i: predicate for i, predicate in predicates.items() if predicate is not None}
            aggregates = [f"count_if({predicate})" for predicate in counted.values()]
            maxima = [
                f"max({e['kwargs']['column']})" for e in expectations if e["type"] == "expect_column_max_to_be_between"
            ]
            row = self.con.execute(f"select count(*), {', '.join([*aggregates, *maxima])} from {self.view}").fetchall()[
                0
            ]
            self.rows = row[0]
            counts = dict(zip(counted, row[1 : 1 + len(aggregates)], strict=True))
            observed_max = iter(row[1 + len(aggregates) :])
            results = []
            for i, expectation in enumerate(expectations):
                if missing[i]:
                    results.append(ExpectationResult(expectation, False, {"observed_value": f"no column {missing[i]}"}))
                elif i in counts:
                    results.append(self._row_level(expectation, counted[i], counts[i]))
                else:
                    results.append(self._table_level(expectation, observed_max))
            return results
        finally:
            self.con.execute(f"drop view if exists {self.view}")

    def _missing(self, expectation: dict) -> str | None:
        """The first column the expectation reads that the relation lacks, if any."""
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_table_columns_to_match_set":
            return None
        condition = (kwargs.get("row_condition") or {}).get("column", {}).get("name")
        read = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B"), condition]
        if expectation["type"] == "expect_column_values_to_be_unique":
            read += list(self.table.key)
        return next((name for name in read if name and name not in self.visible), None)

    def _examples(self, predicate: str, columns: list[str], by_key: bool = False) -> list[dict]:
        shown = list(dict.fromkeys([*columns, *self.table.key, *(c for c in ORIGIN if c in self.columns)]))
        # the relation's own order (a batch's rows), else file and line (a staging table), else the values shown;
        # the rows of a repeated key side by side (each file that holds it)
        if by_key:
            order = ", ".join([*self.table.key, *(c for c in (ROW_NUMBER, *ORIGIN) if c in self.columns)])
        elif ROW_NUMBER in self.columns:
            order = ROW_NUMBER
        elif all(column in self.columns for column in ORIGIN):
            order = ", ".join(ORIGIN)
        else:
            order = ", ".join(shown)
        cursor = self.con.execute(
            f"select {', '.join(shown)} from {self.view} as checked where {predicate} order by {order} limit {EXAMPLES}"
        )
        return [dict(zip(shown, values, strict=True)) for values in cursor.fetchall()]

    def _row_level(self, expectation: dict, predicate: str, count: int) -> ExpectationResult:
        kwargs = expectation["kwargs"]
        columns = [kwargs["column_A"], kwargs["column_B"]] if "column_A" in kwargs else [kwargs["column"]]
        examples = self._examples(predicate, columns) if count else []
        return ExpectationResult(
            expectation,
            count == 0,
            {"element_count": self.rows, "unexpected_count": count, "unexpected_index_list": examples},
        )

    def _table_level(self, expectation: dict, observed_max) -> ExpectationResult:
        kind, kwargs = expectation["type"], expectation["kwargs"]
        if kind == "expect_table_columns_to_match_set":
            observed = sorted(self.visible)
            expected = set(kwargs["column_set"])
            success = set(observed) == expected if kwargs.get("exact_match", True) else expected <= set(observed)
            return ExpectationResult(expectation, success, {"observed_value": observed})
        if kind == "expect_column_values_to_be_in_type_list":
            declared = self.types.get(kwargs["column"], "missing")
            observed = _DTYPE_NAMES.get(declared, declared.lower())
            return ExpectationResult(expectation, observed in kwargs["type_list"], {"observed_value": observed})
        if kind == "expect_column_values_to_be_unique":
            return self._unique(expectation)
        if kind == "expect_column_max_to_be_between":
            observed = next(observed_max)
            low = _resolve(kwargs.get("min_value"), self.parameters)
            high = _resolve(kwargs.get("max_value"), self.parameters)
            success = observed is not None and (low is None or observed >= low) and (high is None or observed <= high)
            return ExpectationResult(expectation, success, {"observed_value": observed})
        raise ValueError(f"{kind} has no SQL form here")

    def _unique(self, expectation: dict) -> ExpectationResult:
        """Rows sharing their natural key with another (every one of them counts, as in GX)."""
        if self.key_unique:
            return ExpectationResult(
                expectation, True, {"element_count": self.rows, "unexpected_count": 0, "unexpected_index_list": []}
            )
        key = ", ".join(self.table.key)
        repeated = f"select {key} from {self.view} group by all having count(*) > 1"
        count = self.con.execute(
            f"select coalesce(sum(n), 0) from (select count(*) as n from {self.view} group by {key} having n > 1)"
        ).fetchall()[0][0]
        examples = []
        if count:
            matched = " and ".join(f"checked.{c} is not distinct from repeated.{c}" for c in self.table.key)
            examples = self._examples(
                f"exists (select 1 from ({repeated}) as repeated where {matched})", [KEY], by_key=True
            )
        return ExpectationResult(
            expectation,
            count == 0,
            {"element_count": self.rows, "unexpected_count": int(count), "unexpected_index_list": examples},
        )
