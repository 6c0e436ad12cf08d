with

source as (
    select * from {{ source('budget', 'projects') }}
),

renamed as (
    select
        document_id,
        project_no,
        project_code,
        project_name_zh,
        cast(budget_yuan as decimal(18, 2)) as budget_yuan,
        cast(fiscal_funds_yuan as decimal(18, 2)) as fiscal_funds_yuan,
        cast(other_funds_yuan as decimal(18, 2)) as other_funds_yuan,
        purpose_zh,
        cast(spend_plan_pct_m03 as decimal(5, 2)) as spend_plan_pct_m03,
        cast(spend_plan_pct_m06 as decimal(5, 2)) as spend_plan_pct_m06,
        cast(spend_plan_pct_m10 as decimal(5, 2)) as spend_plan_pct_m10,
        cast(spend_plan_pct_m12 as decimal(5, 2)) as spend_plan_pct_m12,
        goals_zh,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
