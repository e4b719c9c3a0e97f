with

facts as (
    select * from {{ ref('stg_sec__company_facts') }}
    where taxonomy = 'us-gaap'
        and unit = 'USD'
        and period_start is null
        and concept in (
            'AvailableForSaleDebtSecuritiesAccumulatedGrossUnrealizedLossBeforeTax',
            'HeldToMaturitySecuritiesAccumulatedUnrecognizedHoldingLoss',
            'StockholdersEquity'
        )
),

balances as (
    select
        cik,
        period_end,
        max(case when concept = 'AvailableForSaleDebtSecuritiesAccumulatedGrossUnrealizedLossBeforeTax' then value end)
            as afs_unrealized_loss_usd,
        max(case when concept = 'HeldToMaturitySecuritiesAccumulatedUnrecognizedHoldingLoss' then value end)
            as htm_unrealized_loss_usd,
        max(case when concept = 'StockholdersEquity' then value end) as stockholders_equity_usd,
        -- the first filing that reported the quarter: the day its figures were public
        min(filed) as filed
    from facts
    group by cik, period_end
),

reported as (
    -- a period end belongs here when the filer reported unrealized losses for it
    select * from balances
    where afs_unrealized_loss_usd is not null
        or htm_unrealized_loss_usd is not null
),

ratios as (
    select
        *,
        100 * (afs_unrealized_loss_usd + coalesce(htm_unrealized_loss_usd, 0))
        / nullif(stockholders_equity_usd, 0) as unrealized_loss_to_equity_pct
    from reported
),

final as (
    select
        cik,
        period_end,
        afs_unrealized_loss_usd,
        htm_unrealized_loss_usd,
        stockholders_equity_usd,
        unrealized_loss_to_equity_pct,
        filed,
        unrealized_loss_to_equity_pct
        - lag(unrealized_loss_to_equity_pct) over (partition by cik order by period_end) as change_qoq_pp
    from ratios
)

select * from final
