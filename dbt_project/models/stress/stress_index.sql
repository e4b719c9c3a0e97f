{%- set categories = var('stress_categories') -%}

-- The composite stress index on both value bases (stress_component_values): on each VIX session, the mean of the
-- category scores, each the mean of its components' point-in-time z-scores (their latest, if no older than the
-- staleness limit). Sums run in a fixed order, so a value never depends on how the engine happens to group rows.
with

scores as (
    select * from {{ ref('stress_component_scores') }}
    where score is not null
),

components as (
    select distinct basis, component from {{ ref('stress_component_values') }}
),

bases as (
    select distinct basis from components
),

index_days as (
    select bases.basis, equity.trade_date as obs_date
    from {{ ref('fct_equity_daily') }} as equity
    cross join bases
    where equity.symbol = 'VIX'
),

timeline as (
    select basis, obs_date, component, score, obs_date as scored_on, 0 as is_index_day
    from scores
    union all
    select index_days.basis, index_days.obs_date, components.component, cast(null as double), cast(null as date), 1
    from index_days
    inner join components on index_days.basis = components.basis
),

filled as (
    select
        basis,
        obs_date,
        component,
        is_index_day,
        {{ last_known_value('score', 'basis, component', 'obs_date, is_index_day') }} as latest_score,
        {{ last_known_value('scored_on', 'basis, component', 'obs_date, is_index_day') }} as latest_scored_on
    from timeline
),

current_scores as (
    select basis, obs_date, component, latest_score as score
    from filled
    where is_index_day = 1
        and latest_scored_on >= cast({{ dbt.dateadd('day', -var('stress_max_staleness_days'), 'obs_date') }} as date)
),

pivoted as (
    select
        index_days.basis,
        index_days.obs_date,
        {%- for components_of_category in categories.values() %}
            {%- for component in components_of_category %}
                max(case when current_scores.component = '{{ component }}' then current_scores.score end) as z_{{ component }},  -- noqa: LT05
            {%- endfor %}
        {%- endfor %}
        count(current_scores.score) as n_components
    from index_days
    left join current_scores
        on index_days.basis = current_scores.basis
        and index_days.obs_date = current_scores.obs_date
    group by index_days.basis, index_days.obs_date
),

category_scores as (
    select
        *,
        {%- for category, components_of_category in categories.items() %}
            ({% for component in components_of_category %}coalesce(z_{{ component }}, 0){% if not loop.last %} + {% endif %}{% endfor %})  -- noqa: LT05
            / nullif({% for component in components_of_category %}(case when z_{{ component }} is not null then 1 else 0 end){% if not loop.last %} + {% endif %}{% endfor %}, 0)  -- noqa: LT05
                as score_{{ category }},
        {%- endfor %}
        {% for category in categories %}(case when {% for component in categories[category] %}z_{{ component }} is not null{% if not loop.last %} or {% endif %}{% endfor %} then 1 else 0 end){% if not loop.last %} + {% endif %}{% endfor %}  -- noqa: LT05
            as n_categories
    from pivoted
),

indexed as (
    select
        *,
        case
            when n_categories >= {{ var('stress_min_categories', 3) }}
                then ({% for category in categories %}coalesce(score_{{ category }}, 0){% if not loop.last %} + {% endif %}{% endfor %}) / n_categories  -- noqa: LT05
        end as stress_index
    from category_scores
),

final as (
    select
        basis as value_basis,
        obs_date,
        stress_index,
        {%- set edges = var('stress_regime_edges') %}
        case
            when stress_index is null then null
            when stress_index < {{ edges['elevated'] }} then 'calm'
            when stress_index < {{ edges['stressed'] }} then 'elevated'
            when stress_index < {{ edges['severe'] }} then 'stressed'
            else 'severe'
        end as regime,
        -- each component counted from the evening its value was public (stress_component_values)
        'value_public_on' as component_dating,
        {%- for category in categories %}
            case when stress_index is not null then coalesce(score_{{ category }}, 0) / n_categories end as contribution_{{ category }},  -- noqa: LT05
        {%- endfor %}
        {%- for components_of_category in categories.values() %}
            {%- for component in components_of_category %}
                z_{{ component }},
            {%- endfor %}
        {%- endfor %}
        n_components,
        n_categories
    from indexed
)

select * from final
