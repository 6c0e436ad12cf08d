-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 预算项目 / Budget projects: one row per document and project.
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
        budget_yuan,
        fiscal_funds_yuan,
        other_funds_yuan,
        purpose_zh,
        spend_plan_pct_m03,
        spend_plan_pct_m06,
        spend_plan_pct_m10,
        spend_plan_pct_m12,
        goals_zh,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
