-- Every loaded document, superseded versions included (the facts use only is_latest_version), with why
-- each version is served or not (version_reason).

with

documents as (
    select * from {{ ref('int_documents__offices') }}
),

final as (
    select
        document_id,
        office_id,
        fiscal_year,
        doc_kind,
        source_path,
        sha256,
        loaded_at,
        is_synthetic,
        scope,
        template,
        title,
        file_name,
        source_format,
        encoding,
        currency_unit,
        parser_version,
        batch_id,
        is_latest_version,
        version_number,
        superseded_by,
        version_reason
    from documents
)

select * from final
