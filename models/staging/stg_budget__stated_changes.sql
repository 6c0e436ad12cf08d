with

source as (
    select * from {{ source('budget', 'stated_changes') }}
),

renamed as (
    select
        document_id,
        metric,
        cast(change_yuan as decimal(18, 2)) as change_yuan,
        cast(current_yuan as decimal(18, 2)) as current_yuan,
        cast(prior_year_yuan as decimal(18, 2)) as prior_year_yuan,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
