-- Every section of every (latest) document: present, declared empty (the document says it has nothing)
-- or missing. A missing section is never read as zeros; this is where to see which figures a document lacks.

with

sections as (
    select * from {{ ref('stg_budget__sections') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        sections.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        sections.section_key,
        {{ label_zh('section_key', 'sections') }},
        sections.status,
        {{ label_zh('status', 'sections') }},
        sections.title_zh,
        sections.note_zh,
        {{ provenance('sections') }}
    from sections
    inner join documents on sections.document_id = documents.document_id
)

select * from final
