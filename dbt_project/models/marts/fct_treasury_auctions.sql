with

auctions as (
    select * from {{ ref('stg_treasury__auctions') }}
),

thresholds as (
    select subject, threshold
    from {{ ref('stress_thresholds') }}
    where metric = 'bid_to_cover'
),

demand_shares as (
    select
        cusip,
        auction_date,
        security_type,
        security_term,
        offering_amount_usd,
        bid_to_cover,
        high_rate_pct,
        100 * indirect_accepted_usd / nullif(competitive_accepted_usd, 0) as indirect_accepted_pct,
        100 * direct_accepted_usd / nullif(competitive_accepted_usd, 0) as direct_accepted_pct,
        100 * dealer_accepted_usd / nullif(competitive_accepted_usd, 0) as dealer_accepted_pct
    from auctions
),

prior_auctions as (
    select
        *,
        avg(bid_to_cover) over (
            partition by security_type, security_term
            order by auction_date, cusip
            rows between 6 preceding and 1 preceding
        ) as bid_to_cover_prior_6_mean
    from demand_shares
),

with_thresholds as (
    -- the most specific threshold wins: the security term, then the security type, then '*'
    select
        prior_auctions.*,
        coalesce(by_term.threshold, by_type.threshold, by_default.threshold) as weak_demand_threshold
    from prior_auctions
    left join thresholds as by_term on by_term.subject = prior_auctions.security_term
    left join thresholds as by_type on by_type.subject = prior_auctions.security_type
    left join thresholds as by_default on by_default.subject = '*'
),

final as (
    select
        cusip,
        auction_date,
        security_type,
        security_term,
        offering_amount_usd,
        bid_to_cover,
        high_rate_pct,
        indirect_accepted_pct,
        direct_accepted_pct,
        dealer_accepted_pct,
        bid_to_cover - bid_to_cover_prior_6_mean as bid_to_cover_vs_prior_6,
        weak_demand_threshold,
        bid_to_cover < weak_demand_threshold as is_weak_demand
    from with_thresholds
)

select * from final
