with

source as (
    select * from {{ source('budget', 'procurement_items') }}
),

renamed as (
    select
        document_id,
        item_no,
        project_name_zh,
        item_name_zh,
        catalog_no,
        unit_zh,
        cast(quantity as decimal(18, 2)) as quantity,
        cast(unit_price_yuan as decimal(18, 2)) as unit_price_yuan,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
