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
        cast(target_value as decimal(18, 4)) as target_value,
        target_unit,
        basis_zh,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
