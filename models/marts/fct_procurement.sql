with

items as (
    select * from {{ ref('stg_budget__procurement_items') }}
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
        items.item_no,
        items.project_name_zh,
        items.item_name_zh,
        items.catalog_no,
        items.unit_zh,
        items.quantity,
        items.unit_price_yuan,
        items.amount_yuan,
        {{ provenance('items') }}
    from items
    inner join documents on items.document_id = documents.document_id
)

select * from final
