with

terms as (
    select * from {{ ref('stg_budget__glossary') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        terms.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        terms.term_no,
        terms.term_zh,
        terms.definition_zh,
        {{ provenance('terms') }}
    from terms
    inner join documents on terms.document_id = documents.document_id
)

select * from final
