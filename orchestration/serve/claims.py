"""Checking a market note against the warehouse: each numeric claim gets supported, contradicted or not verifiable."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import duckdb

from orchestration.serve.claims_file import MARTS, Claim, ClaimsFileError, load_claims, parse_claim
from orchestration.serve.tables import render_table

__all__ = [
    "Claim",
    "ClaimsFileError",
    "MARTS",
    "Verdict",
    "check_claim",
    "check_note",
    "format_verdicts",
    "load_claims",
    "parse_claim",
    "verdict_records",
]


@dataclass
class Verdict:
    claim_id: str
    text: str
    verdict: str  # supported | contradicted | not verifiable
    stated: object
    observed: object = None
    difference: float | None = None
    reason: str = ""
    details: dict = field(default_factory=dict)


class _Observation:
    def __init__(self, values: list, reason: str = ""):
        self.values = values
        self.reason = reason


def _require_column(con: duckdb.DuckDBPyConnection, claim: Claim) -> None:
    """A metric naming no column of its mart is a typo in the file, not an unverifiable claim: an error."""
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = $t",
            {"t": claim.mart},
        ).fetchall()
    ]
    if claim.column in columns:
        return
    close = difflib.get_close_matches(claim.column, columns, n=1)
    raise ClaimsFileError(
        f"claim {claim.id!r}: field 'metric' names no column of marts.{claim.mart}: "
        f"{claim.column!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    )


def _observe(con: duckdb.DuckDBPyConnection, claim: Claim) -> _Observation:
    spec = MARTS[claim.mart]
    _require_column(con, claim)
    filters, params = [], {}
    if spec.subject_column:
        if spec.by_ticker:
            cik = con.execute(
                "select cik from seeds.sec_companies where upper(ticker) = upper($t)", {"t": claim.subject}
            ).fetchone()
            if cik is None:
                return _Observation([], f"{claim.subject} is not among the SEC companies this warehouse follows")
            filters.append(f"{spec.subject_column} = $subject")
            params["subject"] = cik[0]
        else:
            filters.append(f"{spec.subject_column} = $subject")
            params["subject"] = claim.subject
        present = con.execute(f"select count(*) from marts.{claim.mart} where {filters[0]}", params).fetchone()[0]
        if not present:
            return _Observation([], f"no data for {claim.subject} in marts.{claim.mart} in this warehouse")
    where = " and ".join(filters) or "true"
    column, table = claim.column, f"marts.{claim.mart}"
    if claim.swing_year is not None:
        rows = con.execute(
            f"select {column} from {table} where {where} and swing_year = $y", {**params, "y": claim.swing_year}
        ).fetchall()
        return _Observation([row[0] for row in rows], "" if rows else f"no swing year {claim.swing_year}")
    if claim.as_of is not None:
        rows = con.execute(
            f"select {column}, period_end from {table} where {where} and filed <= $as_of "
            f"order by period_end desc limit $n",
            {**params, "as_of": claim.as_of, "n": claim.periods},
        ).fetchall()
        if len(rows) < claim.periods:
            return _Observation([], f"fewer than {claim.periods} quarter(s) of {claim.subject} filed by {claim.as_of}")
        return _Observation([row[0] for row in rows])
    if claim.month is not None:
        rows = con.execute(
            f"select {column} from {table} where strftime(month, '%Y-%m') = $m", {"m": claim.month}
        ).fetchall()
        if not rows:
            return _Observation([], f"no {claim.month} in marts.{claim.mart} in this warehouse")
        if rows[0][0] is None:
            return _Observation([], f"the source lists {claim.month} without a value (it was not published)")
        return _Observation([rows[0][0]])
    date_column = spec.date_column
    if claim.date_window is not None:
        first, last = claim.date_window
        rows = con.execute(
            f"select {date_column}, {column} from {table} where {where} and {date_column} "
            f"between $first and $last and {column} is not null order by {date_column}",
            {**params, "first": first, "last": last},
        ).fetchall()
        if not rows:
            return _Observation([], f"no data between {first} and {last} in marts.{claim.mart}")
        if claim.comparator == "change_over":
            if rows[0][0] != first or rows[-1][0] != last:
                return _Observation([], f"no value on {first} or {last} in marts.{claim.mart}")
            return _Observation([rows[-1][1] - rows[0][1]])
        values = [value for _, value in rows]
        pick = {"max": max, "min": min, "last": lambda v: v[-1], "first": lambda v: v[0]}[claim.aggregate]
        return _Observation([pick(values)])
    rows = con.execute(
        f"select {column} from {table} where {where} and {date_column} = $d", {**params, "d": claim.date}
    ).fetchall()
    if not rows:
        return _Observation(
            [], f"no row dated {claim.date} in marts.{claim.mart}" + (f" for {claim.subject}" if claim.subject else "")
        )
    values = [row[0] for row in rows]
    if all(value is None for value in values):
        return _Observation([], f"marts.{claim.mart}.{column} is null on {claim.date} (not enough history)")
    return _Observation([value for value in values if value is not None])


def check_claim(con: duckdb.DuckDBPyConnection, claim: Claim) -> Verdict:
    observation = _observe(con, claim)
    verdict = Verdict(claim.id, claim.text, "not verifiable", claim.stated)
    if not observation.values:
        verdict.reason = observation.reason
        return verdict
    values = observation.values
    if claim.comparator == "is_true":
        verdict.observed = values[0]
        holds = bool(values[0])
    elif claim.comparator == "in_month":
        observed = values[0]
        verdict.observed = observed.isoformat() if isinstance(observed, date) else observed
        holds = isinstance(observed, date) and observed.strftime("%Y-%m") == claim.stated
        if not holds and isinstance(observed, date):
            verdict.reason = f"the latest higher value is on {observed.isoformat()}"
    elif claim.comparator in ("below", "above"):
        # several rows (auctions on one day): the claim holds if any of them crosses
        best = min(values) if claim.comparator == "below" else max(values)
        verdict.observed = best
        verdict.difference = best - claim.stated
        holds = best < claim.stated if claim.comparator == "below" else best > claim.stated
        if len(values) > 1:
            verdict.details["all_observed"] = values
    else:  # equals, change_over
        stated = claim.stated if isinstance(claim.stated, list) else [claim.stated]
        observed = values[: len(stated)]
        if len(observed) < len(stated):
            verdict.reason = f"only {len(observed)} value(s) for {len(stated)} stated"
            return verdict
        differences = [value - expected for value, expected in zip(observed, stated)]
        verdict.observed = observed if len(observed) > 1 else observed[0]
        verdict.difference = differences if len(differences) > 1 else differences[0]
        holds = all(abs(difference) <= claim.tolerance + 1e-9 for difference in differences)
    verdict.verdict = "supported" if holds else "contradicted"
    return verdict


def check_note(con: duckdb.DuckDBPyConnection, claims: list[Claim]) -> list[Verdict]:
    for claim in claims:  # every metric first: a typo fails the file before any verdict is printed
        _require_column(con, claim)
    return [check_claim(con, claim) for claim in claims]


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " / ".join(_show(item) for item in value)
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def verdict_records(verdicts: list[Verdict]) -> list[dict]:
    return [
        {
            "claim_id": v.claim_id,
            "verdict": v.verdict,
            "stated": v.stated,
            "observed": v.observed,
            "difference": v.difference,
            "reason": v.reason,
            "text": v.text,
        }
        for v in verdicts
    ]


def format_verdicts(note: str, verdicts: list[Verdict]) -> str:
    rows = [
        (v.claim_id, _show(v.stated), _show(v.observed), _show(v.difference), v.verdict, v.reason) for v in verdicts
    ]
    headers = ("claim", "stated", "observed", "difference", "verdict", "why")
    lines = [note, "", render_table(headers, rows, right=[1, 2, 3])]
    counts = {
        kind: sum(v.verdict == kind for v in verdicts) for kind in ("supported", "contradicted", "not verifiable")
    }
    lines += ["", ", ".join(f"{count} {kind}" for kind, count in counts.items())]
    return "\n".join(lines)
