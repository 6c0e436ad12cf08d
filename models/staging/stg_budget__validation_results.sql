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
        cast(expected as decimal(18, 2)) as expected,
        cast(actual as decimal(18, 2)) as actual,
        cast(difference as decimal(18, 2)) as difference,
        detail,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
