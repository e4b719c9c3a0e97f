-- Systemic-risk measures per session: how much of the universe's variance one factor absorbs, and how unusual the
-- day's joint move is. Estimated in Python (orchestration/ingest/systemic_risk.py) on windows that end on the day; the
-- columns are documented in _marts__models.yml.
with

systemic_risk as (
    select * from {{ ref('stg_derived__systemic_risk') }}
),

final as (
    select * from systemic_risk
)

select * from final
