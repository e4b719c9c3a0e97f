with

source as (
    select * from {{ source('raw', 'treasury_auctions') }}
),

renamed as (
    select
        cusip,
        auction_date,
        issue_date,
        maturity_date,
        security_type,
        security_term,
        reopening = 'Yes' as is_reopening,
        offering_amount as offering_amount_usd,
        bid_to_cover_ratio as bid_to_cover,
        -- notes and bonds price at a yield; bills at a discount rate whose investment-rate equivalent is comparable
        coalesce(high_yield, high_investment_rate) as high_rate_pct,
        high_discount_rate as high_discount_rate_pct,
        interest_rate as coupon_rate_pct,
        competitive_tendered as competitive_tendered_usd,
        competitive_accepted as competitive_accepted_usd,
        total_tendered as total_tendered_usd,
        total_accepted as total_accepted_usd,
        direct_bidder_accepted as direct_accepted_usd,
        indirect_bidder_accepted as indirect_accepted_usd,
        primary_dealer_accepted as dealer_accepted_usd,
        soma_accepted as soma_accepted_usd,
        source as source_shape
    from source
)

select * from renamed
