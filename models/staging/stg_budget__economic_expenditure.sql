with

source as (
    select * from {{ source('budget', 'economic_expenditure') }}
),

renamed as (
    select
        document_id,
        economic_code,
        scheme,
        name_zh,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        fund_scope,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
