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
        documents.fiscal_year,
        items.item_name_zh,
        items.item_code,
        items.amount_yuan,
        items.item_no,
        items.src_line,
        items.src_table,
        items.src_row,
        items.src_col
    from items
    inner join documents on items.document_id = documents.document_id
)

select * from final
