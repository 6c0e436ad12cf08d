with

expenditure as (
    select * from {{ ref('stg_budget__expenditure_lines') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        expenditure.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        expenditure.expenditure_class,
        {{ label_zh('expenditure_class', 'expenditure') }},
        expenditure.expenditure_type,
        {{ label_zh('expenditure_type', 'expenditure') }},
        expenditure.amount_yuan,
        expenditure.label_zh,
        expenditure.fund_scope,
        {{ label_zh('fund_scope', 'expenditure') }},
        {{ provenance('expenditure') }}
    from expenditure
    inner join documents
        on expenditure.document_id = documents.document_id
        -- the document's main figure (a 决算's 决算数): the budget figures it prints are in mart_budget_execution
        and expenditure.measure = {{ main_measure('documents.doc_kind') }}
)

select * from final
