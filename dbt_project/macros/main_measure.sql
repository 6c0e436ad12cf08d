{#- The figure a document is about, of its kind (src/budget_etl/catalog/vocab.py MAIN_MEASURES): a budget's
    own figures (budget), a final account's 决算数 (final). The marts' amount columns mean this figure; the
    budget figures a 决算 prints beside it reach mart_budget_execution. -#}
{% macro main_measure(doc_kind) -%}
    case {{ doc_kind }} when 'final_accounts' then 'final' else 'budget' end
{%- endmacro %}

{#- True for a fact row of its document's main measure (for tests and models that read staging rows
    without their document). The documents have no measure column, so `measure` is the fact row's. -#}
{% macro is_main_measure(measure, document_id) -%}
    {{ document_id }} in (
        select main_measure_documents.document_id
        from {{ ref('stg_budget__documents') }} as main_measure_documents
        where {{ main_measure('main_measure_documents.doc_kind') }} = {{ measure }}
    )
{%- endmacro %}
