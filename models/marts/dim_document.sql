-- Every loaded document, superseded versions included (the facts use only is_latest_version), with why
-- each version is served or not (version_reason). A document fetched from a portal (budget-etl fetch) carries
-- the URL it was first fetched from, when, and the publication date the manifest declares; a local file: NULL.

with

documents as (
    select * from {{ ref('int_documents__offices') }}
),

fetched as (
    -- the first request that brought these bytes (the document key is the sha256 of a one-file document)
    select
        sha256 as fetched_sha256,
        arg_min(url, fetched_at) as source_url,
        min(fetched_at) as fetched_at,
        arg_min(published_on, fetched_at) as published_on
    from {{ source('budget', 'fetch_log') }}
    where outcome in ('fetched', 'unchanged') and sha256 is not null
    group by sha256
),

final as (
    select
        documents.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        source_path,
        sha256,
        loaded_at,
        is_synthetic,
        documents.scope,
        {{ label_zh('scope', 'documents') }},
        template,
        title,
        file_name,
        documents.source_format,
        {{ label_zh('source_format', 'documents') }},
        encoding,
        currency_unit,  -- its codes are Chinese already (万元): no label column
        parser_version,
        batch_id,
        is_latest_version,
        version_number,
        superseded_by,
        documents.version_reason,
        {{ label_zh('version_reason', 'documents') }},
        fetched.source_url,
        fetched.fetched_at,
        fetched.published_on
    from documents
    left join fetched on fetched.fetched_sha256 = documents.sha256
)

select * from final
