with

source as (
    select * from {{ source('budget', 'glossary') }}
),

renamed as (
    select
        document_id,
        term_no,
        term_zh,
        definition_zh,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
