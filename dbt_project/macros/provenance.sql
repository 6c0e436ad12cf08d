{#- The provenance columns of a fact row (src/budget_etl/facts.py Source), declared once for every mart:
    file (of a document published as several files), page, line of the normalised text, table cell. -#}
{% macro provenance(relation) -%}
    {{ relation }}.src_file,
        {{ relation }}.src_page,
        {{ relation }}.src_line,
        {{ relation }}.src_table,
        {{ relation }}.src_row,
        {{ relation }}.src_col
{%- endmacro %}
