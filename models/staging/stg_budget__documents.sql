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
        cast(size_bytes as bigint) as size_bytes,
        encoding,
        source_format,
        title,
        doc_kind,
        cast(fiscal_year as integer) as fiscal_year,
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
        scope,
        parser_version,
        batch_id,
        cast(loaded_at as timestamp) as loaded_at,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
