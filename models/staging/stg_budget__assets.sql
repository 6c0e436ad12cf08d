with

source as (
    select * from {{ source('budget', 'assets') }}
),

renamed as (
    select
        document_id,
        item_no,
        asset_class_zh,
        unit_zh,
        cast(quantity as decimal(18, 2)) as quantity,
        cast(value_yuan as decimal(18, 2)) as value_yuan,
        cast(as_of_date as date) as as_of_date,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
