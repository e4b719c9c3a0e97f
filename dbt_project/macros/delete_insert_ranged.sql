{#- dbt-duckdb's delete+insert, with the incoming rows' range of one key column (the model's config
    `delete_ranged_by`) as two more predicates of its delete. Exact, as no row outside that range shares an incoming
    key; and DuckDB then filters the target's scan by the range, where every target row probed the incoming keys
    (fct_equity_daily's daily delete at 8,000 symbols: 0.34 s against 0.08 s for the same 80,010 rows). -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set ranged_by = config.get('delete_ranged_by') -%}
    {%- set predicates = (incremental_predicates or []) | list -%}
    {#- the target's alias exists where the key is several columns (dbt-duckdb's delete ... using) -#}
    {%- if ranged_by and unique_key is sequence and unique_key is not string -%}
        {%- set column = 'DBT_INCREMENTAL_TARGET.' ~ ranged_by -%}
        {%- do predicates.append(column ~ ' >= (select min(' ~ ranged_by ~ ') from ' ~ source ~ ')') -%}
        {%- do predicates.append(column ~ ' <= (select max(' ~ ranged_by ~ ') from ' ~ source ~ ')') -%}
    {%- endif -%}
    {{ return(dbt.duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, predicates)) }}
{%- endmacro %}
