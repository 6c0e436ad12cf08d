-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 公开文件 / One row per disclosure document: one row per loaded file (its sha256).
with

source as (
    select * from {{ source('budget', 'documents') }}
),

renamed as (
    select
        document_id,
        sha256,
        source_path,
        file_name,
        size_bytes,
        encoding,
        source_format,
        title,
        doc_kind,
        fiscal_year,
        office_name,
        unit_code,
        unit_full_name,
        district,
        city,
        province,
        currency_unit,
        overall_goal_zh,
        new_assets_budgeted,
        is_synthetic,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file,
        scope,
        template,
        adcode,
        admin_level,
        office_name_simplified,
        parser_version,
        batch_id,
        loaded_at
    from source
)

select * from renamed
