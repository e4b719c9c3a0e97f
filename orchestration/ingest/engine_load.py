"""Whole price files read by DuckDB itself: a full history goes from CSV to a staging table without pandas.

DuckDB's CSV reader parses every file of a header shape in one pass, with explicit column names and types, keeping
each row's file; each row's line is its position in its file (the reader's order, kept by the table it fills). The
reader checks of `parse_prices.py` become SQL over those rows, as a fast path that is never looser: a file with
anything unusual (a byte-order mark, a carriage return, a quote, an underscore, a blank line, a cell DuckDB rejects,
a date that is not ISO, an infinite number, a partly missing bar) goes to the pandas parser, which either names the
file and line of the problem exactly as before or parses it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.ingest.key_order import in_key_order
from orchestration.ingest.plausibility import VERDICT_COLUMN, implausible_rows
from orchestration.ingest.quarantine import quarantine_relation
from orchestration.ingest.raw_layer import staging_table, start_staging
from orchestration.ingest.raw_tables import RAW_TABLES, RawTable
from orchestration.ingest.sources.parse_prices import WholeFile, parse_price_csv
from orchestration.ingest.sources.values import MISSING_TOKENS
from orchestration.ingest.validation import ValidationGate, ValidationReport

# the rows of whole files, with _file and _line, until they are merged: a temporary table of the load's connection,
# which DuckDB keeps in memory up to its limit and spills beyond it (writing 60 M rows into the build file, compressed,
# only to drop them after the merge, was a pass of the load's size)
STAGED_FILES = "staged_price_files"
PRICES = ("open", "high", "low", "close")
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T00:00:00)?"


def _has_blank_line(content: bytes) -> bool:
    """Whether two newlines follow each other before the file's last line (blank lines at its end are harmless).
    numpy compares the newlines' positions: `b"\\n\\n" in content` stops at every line (0.4 s per 1,000 files)."""
    end = len(content)
    while end and content[end - 1] == ord("\n"):
        end -= 1
    ends = np.flatnonzero(np.frombuffer(content, dtype=np.uint8, count=end) == ord("\n"))
    return bool((np.diff(ends) == 1).any())


def _header(path: Path) -> tuple[str, ...] | None:
    """The file's lower-cased column names when the whole file is plain enough for the fast path, else None."""
    content = path.read_bytes()
    # DuckDB would read '1_000' as a number where the parser refuses it: such files are the parser's
    if not content.strip() or content.startswith(b"\xef\xbb\xbf") or any(c in content for c in (b"\r", b'"', b"_")):
        return None
    if _has_blank_line(content):  # a blank line would shift the lines after it
        return None
    header = content.split(b"\n", 1)[0].decode("ascii", errors="replace")
    return tuple(name.strip().lower() for name in header.split(","))


def _read_group(con: duckdb.DuckDBPyConnection, files: list[WholeFile], header: tuple[str, ...]) -> list[WholeFile]:
    """Stage the group's files in one typed read_csv; returns the files the fast path refused (for the pandas parser).

    Prices and volume are read as DOUBLE with the sources' missing-value spellings as null; a cell DuckDB cannot read
    as a number, a line with another field count or bytes that are not UTF-8 land in DuckDB's rejects table, which
    names the file: that file goes to the parser."""
    names = [f"c{position}" for position in range(len(header))]
    column = dict(zip(header, names, strict=True))
    volume_required = files[0].volume_required
    if not {"date", *PRICES} <= set(column) or (volume_required and "volume" not in column):
        return files  # the parser names the missing column
    numeric = {column[name] for name in (*PRICES, "volume") if name in column}
    types = "{" + ", ".join(f"'{n}': '{'DOUBLE' if n in numeric else 'VARCHAR'}'" for n in names) + "}"
    missing = "[" + ", ".join(f"'{token}'" for token in sorted(MISSING_TOKENS)) + "]"
    con.execute(
        f"create or replace temp table csv_rows as select filename as _file, "
        f"trim({column['date']}) as date, {', '.join(f'{column[n]} as {n}' for n in PRICES)}, "
        f"{column.get('volume', 'null::double')} as volume "
        f"from read_csv($files, header = true, auto_detect = false, delim = ',', quote = '\"', columns = {types}, "
        f"nullstr = {missing}, filename = true, ignore_errors = true, store_rejects = true, "
        "rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')",
        {"files": [str(f.path) for f in files]},
    )
    # read_csv numbers rows in the order it read them: a row's line is its place in its file, after the header
    con.execute(
        "create or replace temp table csv_lines as select _file, min(rowid) as first_position "
        "from csv_rows group by _file"
    )
    prices_missing = " + ".join(f"({name} is null)::int" for name in PRICES)
    finite = " and ".join(f"coalesce(not isinf({name}), true)" for name in (*PRICES, "volume"))
    refused = {
        path
        for (path,) in con.execute(
            f"""select distinct _file from csv_rows
            where (date is not null and not (regexp_full_match(date, '{_DAY}')
                   and try_cast(left(date, 10) as date) is not null))
               or not ({finite})
               or ({prices_missing}) between 1 and 3
               {"or (" + prices_missing + " = 0 and volume is null)" if volume_required else ""}
            union select distinct scans.file_path from csv_rejects as rejects
            join csv_reject_scans as scans using (scan_id, file_id)"""
        ).fetchall()
    }
    con.register(
        "file_names", pd.DataFrame([(str(f.path), f.symbol, f.source) for f in files], columns=["f", "s", "o"])
    )
    con.register("refused_files", pd.DataFrame({"_file": sorted(refused)}, dtype=object))
    try:
        con.execute(
            f"""insert into {STAGED_FILES}
            select names.s, cast(left(rows.date, 10) as date), rows.open, rows.high, rows.low, rows.close,
                   rows.volume, names.o, rows._file, rows.rowid - lines.first_position + 2
            from csv_rows as rows
            join file_names as names on names.f = rows._file
            join csv_lines as lines on lines._file = rows._file
            where ({prices_missing}) < 4 and rows._file not in (select _file from refused_files)"""
        )
    finally:
        con.unregister("file_names")
        con.unregister("refused_files")
    return [file for file in files if str(file.path) in refused]


@dataclass(frozen=True)
class StagedFiles:
    rows: int
    parsed_by_pandas: tuple[str, ...]  # the files the SQL fast path left to the pandas parser


def stage_whole_files(con: duckdb.DuckDBPyConnection, files: list[WholeFile]) -> StagedFiles:
    """Stage the files' bars with their file and line in STAGED_FILES (created here).

    Raises SourceFormatError (from the pandas parser) naming file and line for a file that cannot be read."""
    columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
    con.execute(f"create or replace temp table {STAGED_FILES} ({columns})")
    groups: dict[tuple, list[WholeFile]] = {}
    slow: list[WholeFile] = []
    for file in files:
        header = _header(file.path)
        if header is None or len(set(header)) != len(header):
            slow.append(file)
        else:
            groups.setdefault((header, file.volume_required), []).append(file)
    try:
        for (header, _), members in groups.items():
            slow += _read_group(con, members, header)
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("drop table if exists csv_rows; drop table if exists csv_lines")
    for file in slow:  # exact errors (or an exact parse) from the reader every other load uses
        frame = parse_price_csv(file.path.read_bytes(), str(file.path), file.symbol, file.source, file.volume_required)
        con.register("parsed_file", frame[list(_COLUMNS)])
        try:
            con.execute(f"insert into {STAGED_FILES} select * from parsed_file")
        finally:
            con.unregister("parsed_file")
    rows = con.execute(f"select count(*) from {STAGED_FILES}").fetchall()[0][0]
    return StagedFiles(rows, tuple(str(file.path) for file in slow))


# the raw table's columns (raw_tables.py, their one home), then each row's file and line
_COLUMNS = {**RAW_TABLES["price_bars"].columns, "_file": "varchar", "_line": "bigint"}


@dataclass
class WholeFilesLoad:
    """Whole files staged and validated in DuckDB: how many rows, their date range and the suite's report."""

    rows: int
    first: date | None
    last: date | None
    report: ValidationReport


def validate_whole_files(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    family: str,
    files: list[WholeFile],
    gate: ValidationGate,
    today: date | None,
    accepted: set[tuple[str, str, date]],
) -> WholeFilesLoad:
    """Stage the files, judge their moves and run the table's suite on the staged rows, all inside DuckDB."""
    try:
        rows = stage_whole_files(con, files).rows
        measured = time.perf_counter()
        # files of one symbol each, in date order (nearly always): no sort, no grouping of every key (key_order.py)
        ordered = in_key_order(con, STAGED_FILES, table)
        verdicts = implausible_rows(con, table, family, STAGED_FILES, accepted, in_key_order=ordered)
        plausibility_s = time.perf_counter() - measured
        con.register("verdicts", verdicts)
        # without a verdict (nearly every load) the suite reads the staged rows directly, not through a join
        joined = "left join verdicts on verdicts._row = staged.rowid" if len(verdicts) else ""
        verdict = "verdicts.verdict" if len(verdicts) else "null::varchar"
        con.execute(
            f"create or replace temp view staged_with_verdicts as select staged.*, {verdict} as "
            f"{VERDICT_COLUMN} from {STAGED_FILES} as staged {joined}"
        )
        report = gate.validate_relation(con, table, family, "staged_with_verdicts", today, key_unique=ordered)
        report.seconds += plausibility_s  # the plausibility check is part of validating
        con.execute("drop view staged_with_verdicts")
        con.unregister("verdicts")
        first, last = con.execute(f"select min(trade_date), max(trade_date) from {STAGED_FILES}").fetchall()[0]
    except Exception:
        con.execute(f"drop table if exists {STAGED_FILES}")
        raise
    return WholeFilesLoad(rows, first, last, report)


def quarantine_whole_files(con: duckdb.DuckDBPyConnection, table: RawTable, run_id: str, failures: list[dict]) -> None:
    """Keep the staged rows in quarantine with the failed expectations, and drop them from staging."""
    quarantine_relation(con, table, STAGED_FILES, run_id, failures)
    con.execute(f"drop table {STAGED_FILES}")


def move_to_staging(con: duckdb.DuckDBPyConnection, table: RawTable) -> None:
    """The validated whole files join the load's staging table, when other batches are merged with them."""
    start_staging(con, table)
    con.execute(f"insert into {staging_table(table)} select {', '.join(table.columns)} from {STAGED_FILES}")
    drop_staged_files(con)


def drop_staged_files(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {STAGED_FILES}")
