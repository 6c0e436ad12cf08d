with

source as (
    select * from {{ source('budget', 'operating_expenses') }}
),

renamed as (
    select
        document_id,
        item_no,
        item_name_zh,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
