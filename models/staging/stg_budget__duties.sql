-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 部门职责及绩效评价标准 / Duties with their targets and performance grading thresholds: one row per document and duty.
with

source as (
    select * from {{ source('budget', 'duties') }}
),

renamed as (
    select
        document_id,
        duty_no,
        duty_name_zh,
        responsibility_zh,
        duty_targets_zh,
        performance_goal_zh,
        performance_indicators_zh,
        performance_standard_zh,
        grade_excellent_pct,
        grade_good_pct,
        grade_fair_pct,
        grade_poor_pct,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
