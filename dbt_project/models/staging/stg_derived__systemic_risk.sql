with

source as (
    select * from {{ source('derived', 'systemic_risk_daily') }}
),

final as (
    select
        obs_date,
        n_assets,
        absorption_ratio,
        absorption_shift_z,
        turbulence,
        turbulence_20d
    from source
)

select * from final
