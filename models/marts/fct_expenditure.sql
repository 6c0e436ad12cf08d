with

expenditure as (
    select * from {{ ref('stg_budget__expenditure_lines') }}
),

documents as (
    select * from {{ ref('int_documents__offices') }}
),

final as (
    select
        expenditure.document_id,
        documents.office_id,
        documents.fiscal_year,
        expenditure.expenditure_class,
        expenditure.expenditure_type,
        expenditure.amount_yuan,
        expenditure.label_zh,
        expenditure.src_line,
        expenditure.src_table,
        expenditure.src_row,
        expenditure.src_col
    from expenditure
    inner join documents on expenditure.document_id = documents.document_id
)

select * from final
