with

revenue as (
    select * from {{ ref('stg_budget__revenue_lines') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        revenue.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        revenue.revenue_source,
        {{ label_zh('revenue_source', 'revenue') }},
        revenue.amount_yuan,
        revenue.label_zh,
        {{ provenance('revenue') }}
    from revenue
    inner join documents
        on revenue.document_id = documents.document_id
        -- the document's main figure (a 决算's 决算数): the budget figures it prints are in mart_budget_execution
        and revenue.measure = {{ main_measure('documents.doc_kind') }}
)

select * from final
