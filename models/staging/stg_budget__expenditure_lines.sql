with

source as (
    select * from {{ source('budget', 'expenditure') }}
),

renamed as (
    select
        document_id,
        expenditure_class,
        expenditure_type,
        label_zh,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
