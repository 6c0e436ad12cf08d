-- Headline figures per office, fiscal year and kind of disclosure (the latest version of each; its main
-- figure: a budget's own, a 决算's 决算数). Input of mart_yoy and mart_office_comparison, which compare a kind
-- of disclosure only with the same kind (the comparison places an office by dim_office).

with

documents as (
    select * from {{ ref('int_documents__offices') }}
    where is_office_year_document  -- one document per office, year and kind (部门 before 单位)
),

metrics as (
    select * from {{ ref('int_document_metrics') }}
    where is_main_measure
        and amount_yuan is not null  -- money only: the stated counts are no amounts to compare
),

final as (
    select
        documents.office_id,
        documents.fiscal_year,
        documents.doc_kind,
        metrics.document_id,
        metrics.metric,
        metrics.amount_yuan
    from metrics
    inner join documents on metrics.document_id = documents.document_id
)

select * from final
