with

assets as (
    select * from {{ ref('stg_budget__assets') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        assets.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        assets.as_of_date,
        assets.asset_class_zh,
        assets.unit_zh,
        assets.quantity,
        assets.value_yuan,
        documents.fiscal_year,
        assets.item_no,
        {{ provenance('assets') }}
    from assets
    inner join documents on assets.document_id = documents.document_id
)

select * from final
