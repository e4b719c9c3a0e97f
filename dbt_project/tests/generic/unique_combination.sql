{#- Fails with one row per combination of `columns` that appears more than once (no dbt packages here).

    With `newest_rows_of` (a load or build timestamp column), only the keys of the rows carrying its newest value
    are checked, against every row of the relation. Exact for a table that only a build can change: each earlier
    row was checked by the build that wrote it, and a build whose tests fail is never published, so a duplicate must
    involve the newest rows. On a 60 M-row history that is a hash probe, not a group-by over every row; a full build
    (every row newest) still checks everything. -#}
{% test unique_combination(model, columns, newest_rows_of=none) %}
{%- set key = columns | join(', ') %}
with

{% if newest_rows_of %}
newest_keys as (
    select distinct {{ key }}
    from {{ model }}
    where {{ newest_rows_of }} = (select max({{ newest_rows_of }}) from {{ model }})
),

in_scope as (
    select {% for column in columns %}checked.{{ column }}{{ ", " if not loop.last }}{% endfor %}
    from {{ model }} as checked
    inner join newest_keys
        on {% for column in columns %}checked.{{ column }} = newest_keys.{{ column }}{{ " and " if not loop.last }}{% endfor %}
),
{% else %}
in_scope as (
    select {{ key }}
    from {{ model }}
),
{% endif %}

final as (
    select
        {{ key }},
        count(*) as n_rows
    from in_scope
    group by {{ key }}
    having count(*) > 1
)

select * from final
{% endtest %}
