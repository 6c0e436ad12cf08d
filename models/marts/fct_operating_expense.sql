with

items as (
    select * from {{ ref('int_operating_expenses__coded') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        items.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        items.item_name_zh,
        items.item_code,
        items.amount_yuan,
        items.item_no,
        {{ provenance('items') }}
    from items
    inner join documents
        on items.document_id = documents.document_id
        -- the document's main figure (a 决算's 决算数): the budget figures it prints are in mart_budget_execution
        and items.measure = {{ main_measure('documents.doc_kind') }}
)

select * from final
