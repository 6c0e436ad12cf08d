-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 校验结果（含通过项） / Validation results, passes included: one row per document and check (identity.project_funding: per project).
with

source as (
    select * from {{ source('budget', 'validation_results') }}
),

renamed as (
    select
        document_id,
        check_name,
        check_kind,
        severity,
        status,
        expected,
        actual,
        difference,
        detail,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
