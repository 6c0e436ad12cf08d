-- The totals and subtotals each document states (收入总计, 本年支出合计, 基本支出, “三公”经费合计, 会议费,
-- 政府采购预算合计 …), as printed, one row per document, metric, measure and place: the figure a text states
-- beside its table's is a metric of its own (<metric>_text), checked in dq_check_results. Every measure a
-- document prints: a 决算's 决算数 (measure final, its main figure) and the 预算数 beside it (budget,
-- adjusted_budget); is_main_measure marks the figure the document is about.

with

totals as (
    select * from {{ ref('stg_budget__stated_totals') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        totals.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        documents.scope,
        {{ label_zh('scope', 'documents') }},
        totals.metric,
        {{ label_zh('metric', 'totals') }},
        totals.amount_yuan,
        totals.measure,
        {{ label_zh('measure', 'totals') }},
        totals.measure = {{ main_measure('documents.doc_kind') }} as is_main_measure,
        totals.label_zh,
        {{ provenance('totals') }}
    from totals
    inner join documents on totals.document_id = documents.document_id
)

select * from final
