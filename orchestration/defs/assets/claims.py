"""marts.fct_claim_checks: the configured market note checked against each run's marts, for BI tools."""

import json
from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.defs.resources import WarehouseResource
from orchestration.serve.claims import check_note, load_claims

CLAIM_CHECKS = dg.AssetKey(["marts", "fct_claim_checks"])

_DDL = """
create or replace table marts.fct_claim_checks (
    run_id varchar, checked_at timestamptz, note varchar, claim_id varchar, verdict varchar,
    observed varchar, stated varchar, difference double, reason varchar, claim_text varchar
)
"""


def _text(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str) if isinstance(value, list) else str(value)


def claim_checks_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=CLAIM_CHECKS, group_name="marts", kinds={"duckdb"}, deps=upstream)
    def fct_claim_checks(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """Verdicts for the configured claims file (--claims or $STRESSWATCH_CLAIMS_FILE; empty when none)."""
        run = warehouse.settings()
        claims_file = run.claims_file
        with duckdb.connect(str(run.build_path)) as con:
            con.execute("create schema if not exists marts")
            con.execute(_DDL)
            if not claims_file:
                return dg.MaterializeResult(metadata={"claims_file": "none configured", "num_rows": 0})
            note, claims = load_claims(claims_file)
            verdicts = check_note(con, claims)
            checked_at = datetime.now(UTC)
            con.executemany(
                "insert into marts.fct_claim_checks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        context.run.run_id,
                        checked_at,
                        note,
                        v.claim_id,
                        v.verdict,
                        _text(v.observed),
                        _text(v.stated),
                        v.difference if isinstance(v.difference, (int, float)) else None,
                        v.reason,
                        v.text,
                    )
                    for v in verdicts
                ],
            )
        counts = {
            kind: sum(v.verdict == kind for v in verdicts) for kind in ("supported", "contradicted", "not verifiable")
        }
        context.log.info(f"claims of {note!r}: {counts}")
        return dg.MaterializeResult(metadata={"claims_file": str(claims_file), "num_rows": len(verdicts), **counts})

    return fct_claim_checks
