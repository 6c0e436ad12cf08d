{#- The rows of a generated identity test (dbt_project/tests/assert_identity_*.sql, made from
    src/budget_etl/catalog/identities.py): rows where the stated figure (CTE `expected_cte`: keys, expected)
    and the sum of its parts (CTE `actual_cte`: keys, actual, n_parts, n_empty) differ by more than the
    tolerance, `rounding[currency_unit]` per part and for the total (a document in 万元 prints each figure
    rounded). As in src/budget_etl/validate, a row that lacks either side, or whose parts fall short while
    some are empty cells, is not a failure (validation records it as not_applicable / insufficient_data);
    amounts are never negative, so known parts that exceed the total fail whatever the empty cells hold,
    unless the parts are signed changes (`signed_parts`). -#}
{% macro identity_failures(expected_cte, actual_cte, keys, rounding, signed_parts=false) %}
select
    {%- for key in keys %}
    {{ expected_cte }}.{{ key }},
    {%- endfor %}
    {{ expected_cte }}.expected,
    {{ actual_cte }}.actual,
    {{ actual_cte }}.actual - {{ expected_cte }}.expected as difference
from {{ expected_cte }}
inner join {{ actual_cte }} on
    {%- for key in keys %} {% if not loop.first %}and {% endif %}{{ expected_cte }}.{{ key }} = {{ actual_cte }}.{{ key }}{% endfor %}
left join {{ ref('stg_budget__documents') }} as documents
    on {{ expected_cte }}.document_id = documents.document_id
where abs({{ actual_cte }}.actual - {{ expected_cte }}.expected)
    > case documents.currency_unit
        {%- for unit, per_figure in rounding.items() %} when '{{ unit }}' then {{ per_figure }}{% endfor %}
        else 0 end * ({{ actual_cte }}.n_parts + 1)
  and ({{ actual_cte }}.n_empty = 0
       {%- if not signed_parts %} or {{ actual_cte }}.actual > {{ expected_cte }}.expected{% endif %})
{% endmacro %}
