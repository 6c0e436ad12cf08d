with

source as (
    select * from {{ source('budget', 'sections') }}
),

renamed as (
    select
        document_id,
        section_key,
        title_zh,
        status,
        note_zh,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
