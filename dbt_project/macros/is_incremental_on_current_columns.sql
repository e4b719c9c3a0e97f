{#- is_incremental(), unless the built table lacks a column this model documents (it was built by an older version
    of the model): then the model recomputes every row once, and on_schema_change='sync_all_columns' adds the column,
    so upgrading needs no manual --full-refresh and never leaves old rows without the new column's values. -#}
{% macro is_incremental_on_current_columns() %}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- set missing = model.columns.keys() | map('lower') | reject('in', built) | list -%}
    {%- if missing -%}
        {{ log(this ~ " lacks " ~ missing | join(", ") ~ ": recomputing every row once", info=true) }}
    {%- endif -%}
    {{ return(missing | length == 0) }}
{% endmacro %}
