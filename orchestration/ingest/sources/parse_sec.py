"""SEC EDGAR XBRL `companyfacts` JSON, flattened to one row per reported fact."""

from __future__ import annotations

import math
from numbers import Real
from pathlib import Path

import pandas as pd

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.values import read_json, to_date

SEC_COLUMNS = [
    "cik",
    "entity_name",
    "taxonomy",
    "concept",
    "unit",
    "period_start",
    "period_end",
    "value",
    "accession",
    "fiscal_year",
    "fiscal_period",
    "form",
    "filed",
    "frame",
]
_FACT_FIELDS = ("end", "val", "accn", "filed")


def parse_companyfacts(payload: object, where: str) -> pd.DataFrame:
    """Flatten `facts -> taxonomy -> concept -> units -> unit -> [fact]` into raw.sec_company_facts rows."""
    if not isinstance(payload, dict):
        raise SourceFormatError(where, "expected a companyfacts JSON object")
    missing = [key for key in ("cik", "facts") if key not in payload]
    if missing:
        raise SourceFormatError(where, f"not a companyfacts document: missing key(s) {missing}")
    cik = str(payload["cik"]).lstrip("0") or "0"
    rows = []
    for taxonomy, concepts in payload["facts"].items():
        for concept, body in concepts.items():
            units = body.get("units") if isinstance(body, dict) else None
            if not isinstance(units, dict):
                raise SourceFormatError(where, f"{taxonomy}:{concept} has no 'units' object")
            for unit, facts in units.items():
                for index, fact in enumerate(facts):
                    absent = [name for name in _FACT_FIELDS if name not in fact]
                    record = len(rows) + 1  # the fact's place in the document, as the rows' `_line`
                    if absent:
                        raise SourceFormatError(
                            where,
                            f"{taxonomy}:{concept} [{unit}] fact {index} is missing {absent}",
                            line=record,
                            line_kind="record",
                        )
                    value = fact["val"]
                    if isinstance(value, bool) or not isinstance(value, Real):
                        raise SourceFormatError(
                            where,
                            f"{taxonomy}:{concept} [{unit}] fact {index} has a non-numeric value {value!r}",
                            check="values_are_numeric",
                            line=record,
                            line_kind="record",
                        )
                    if not math.isfinite(value):  # JSON's NaN and Infinity literals parse as floats
                        raise SourceFormatError(
                            where,
                            f"{taxonomy}:{concept} [{unit}] fact {index} has a non-finite value {value!r}",
                            check="values_are_finite",
                            line=record,
                            line_kind="record",
                        )
                    rows.append(
                        (
                            cik,
                            payload.get("entityName"),
                            taxonomy,
                            concept,
                            unit,
                            fact.get("start"),
                            fact["end"],
                            float(value),
                            fact["accn"],
                            fact.get("fy"),
                            fact.get("fp"),
                            fact.get("form"),
                            fact["filed"],
                            fact.get("frame"),
                        )
                    )
    frame = pd.DataFrame(rows, columns=SEC_COLUMNS)
    frame["_file"] = where
    frame["_line"] = range(1, len(frame) + 1)  # the fact's place in the document
    for column in ("period_start", "period_end", "filed"):
        frame[column] = to_date(frame[column].astype("string"), where, column, first_line=1, line_kind="record")
    frame["fiscal_year"] = frame["fiscal_year"].astype("Int64")
    return frame


def read_companyfacts_file(path: Path) -> pd.DataFrame:
    """Read one `sec/*.json` companyfacts file."""
    return parse_companyfacts(read_json(path), str(path))
