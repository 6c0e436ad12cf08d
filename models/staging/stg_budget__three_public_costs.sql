with

source as (
    select * from {{ source('budget', 'three_public_costs') }}
),

renamed as (
    select
        document_id,
        category,
        category_zh,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        cast(change_yuan as decimal(18, 2)) as change_yuan,
        cast(prior_year_yuan as decimal(18, 2)) as prior_year_yuan,
        change_reason_zh,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
