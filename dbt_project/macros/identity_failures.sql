{#- The rows of a singular identity test: documents where the stated figure (CTE `expected_cte`: document_id,
    expected) and the sum of its parts (CTE `actual_cte`: document_id, actual, n_parts, n_empty) differ by
    more than the tolerance. As in src/budget_etl/validate.py, a document that lacks either side, or whose
    parts fall short while some are empty cells, is not a failure (validation records it as
    not_applicable / insufficient_data); amounts are never negative, so known parts that exceed the total
    fail whatever the empty cells hold, unless the parts are signed changes (`signed_parts`). -#}
{% macro identity_failures(expected_cte, actual_cte, signed_parts=false) %}
select
    {{ expected_cte }}.document_id,
    {{ expected_cte }}.expected,
    {{ actual_cte }}.actual,
    {{ actual_cte }}.actual - {{ expected_cte }}.expected as difference
from {{ expected_cte }}
inner join {{ actual_cte }} on {{ expected_cte }}.document_id = {{ actual_cte }}.document_id
left join {{ ref('stg_budget__documents') }} as documents
    on {{ expected_cte }}.document_id = documents.document_id
where abs({{ actual_cte }}.actual - {{ expected_cte }}.expected)
    > {{ identity_tolerance('documents.currency_unit', actual_cte ~ '.n_parts') }}
  and ({{ actual_cte }}.n_empty = 0
       {%- if not signed_parts %} or {{ actual_cte }}.actual > {{ expected_cte }}.expected{% endif %})
{% endmacro %}
