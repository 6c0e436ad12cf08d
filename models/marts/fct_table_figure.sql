-- The figures each national table states in its total rows (合计/总计, and the 收支总表's 收入总计, 本年收入合计,
-- 年初结转和结余 …), one row per document, table kind, fund scope, row, column and measure, as printed: the figures
-- the table rules of dq_check_results (identity.revenue_balance, chain.*) compare. The first table of each kind
-- and fund scope that states any gives them.

with

figures as (
    select * from {{ ref('stg_budget__table_figures') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        figures.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        documents.scope,
        {{ label_zh('scope', 'documents') }},
        figures.table_kind,
        {{ label_zh('table_kind', 'figures') }},
        figures.fund_scope,
        {{ label_zh('fund_scope', 'figures') }},
        figures.row_key,
        {{ label_zh('row_key', 'figures') }},
        figures.column_key,
        {{ label_zh('column_key', 'figures') }},
        figures.amount_yuan,
        figures.measure,
        {{ label_zh('measure', 'figures') }},
        figures.measure = {{ main_measure('documents.doc_kind') }} as is_main_measure,
        figures.label_zh,
        {{ provenance('figures') }}
    from figures
    inner join documents on figures.document_id = documents.document_id
)

select * from final
