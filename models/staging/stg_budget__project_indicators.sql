-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 项目绩效指标 / Performance indicators of the projects: one row per document, project and indicator.
with

source as (
    select * from {{ source('budget', 'project_indicators') }}
),

renamed as (
    select
        document_id,
        project_code,
        indicator_no,
        level1_zh,
        level2_zh,
        level3_zh,
        description_zh,
        target_raw,
        target_operator,
        target_value,
        target_unit,
        basis_zh,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
