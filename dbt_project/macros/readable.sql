{#- What makes a mart row readable without a join, declared once for every mart (models/marts/_marts.yml
    places the columns: the office's beside office_id, a code's label beside its code). -#}

{#- The office's name and division, from dim_office (its latest name, province, city, district), for the
    office key `office_id` (an expression: documents.office_id). -#}
{% macro office_columns(office_id) -%}
    {%- for column in ['office_name', 'province', 'city', 'district'] %}
    (select offices.{{ column }} from {{ ref('dim_office') }} as offices where offices.office_id = {{ office_id }})
        as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `<column>_zh`: the Chinese name of the code in `column` (of `relation`), from the seed code_labels
    (generated from src/budget_etl/catalog/vocab.py: the labels are declared there and nowhere else). -#}
{% macro label_zh(column, relation) -%}
    (select code_labels.label_zh from {{ ref('code_labels') }} as code_labels
     where code_labels.column_name = '{{ column }}' and code_labels.code = {{ relation }}.{{ column }})
        as {{ column }}_zh
{%- endmacro %}

{#- Every ratio of the marts is a fraction, 1 = 100 % (docs/data_dictionary.md): a percentage a document
    prints (a spending plan's 25%) becomes 0.25 here, exactly (a decimal times 0.01 stays a decimal). -#}
{% macro fraction_of_percent(percent) -%}
    cast({{ percent }} * 0.01 as decimal(12, 6))
{%- endmacro %}
