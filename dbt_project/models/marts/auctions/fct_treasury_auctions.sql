with

auctions as (
    select * from {{ ref('stg_treasury__auctions') }}
),

thresholds as (
    select subject, threshold
    from {{ ref('stress_thresholds') }}
    where metric = 'bid_to_cover'
),

remaining_terms as (
    -- "9-Year 10-Month" -> 9.83 years (null for a bill's weeks or days)
    select
        *,
        nullif(
            coalesce(try_cast(regexp_extract(security_term, '([0-9]+)-Year', 1) as integer), 0)
            + coalesce(try_cast(regexp_extract(security_term, '([0-9]+)-Month', 1) as integer), 0) / 12.0, 0)
            as remaining_years
    from auctions
),

demand_shares as (
    select
        cusip,
        auction_date,
        security_type,
        security_term,
        -- an auction's peers: a note or bond is compared with the standard tenor its remaining term rounds up to (a
        -- "9-Year 10-Month" reopening is a 10-year, and a 3-year note reopening an old 10-year one is a 3-year); a
        -- bill with the bills of the term auctioned (a 13-week bill is often a 26-week one reopened)
        case
            when security_type = 'Bill' then security_term
            else coalesce(case
                    when remaining_years <= 2 then '2-Year'
                    when remaining_years <= 3 then '3-Year'
                    when remaining_years <= 5 then '5-Year'
                    when remaining_years <= 7 then '7-Year'
                    when remaining_years <= 10 then '10-Year'
                    when remaining_years <= 20 then '20-Year'
                    when remaining_years <= 30 then '30-Year'
                end, security_term)
        end as peer_term,
        offering_amount_usd,
        bid_to_cover,
        high_rate_pct,
        100 * indirect_accepted_usd / nullif(competitive_accepted_usd, 0) as indirect_accepted_pct,
        100 * direct_accepted_usd / nullif(competitive_accepted_usd, 0) as direct_accepted_pct,
        100 * dealer_accepted_usd / nullif(competitive_accepted_usd, 0) as dealer_accepted_pct
    from remaining_terms
),

prior_auctions as (
    select
        *,
        avg(bid_to_cover) over (
            partition by security_type, peer_term
            order by auction_date, cusip
            rows between 6 preceding and 1 preceding
        ) as bid_to_cover_prior_6_mean
    from demand_shares
),

with_thresholds as (
    -- the most specific threshold wins: the peer term, then the security type, then '*'
    select
        prior_auctions.*,
        coalesce(by_term.threshold, by_type.threshold, by_default.threshold) as weak_demand_threshold
    from prior_auctions
    left join thresholds as by_term on by_term.subject = prior_auctions.peer_term
    left join thresholds as by_type on by_type.subject = prior_auctions.security_type
    left join thresholds as by_default on by_default.subject = '*'
),

final as (
    select
        cusip,
        auction_date,
        security_type,
        security_term,
        peer_term,
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
