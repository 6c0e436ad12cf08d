-- Each document with its office key and its place in the history of the office's disclosure of that year
-- and kind: a re-published file (new bytes) is a new document_id and a new version. Versions are numbered
-- in load order (ties within one batch broken by document_id); the latest version is the one the facts and
-- marts use, the earlier ones stay here with the document that superseded them.

with

documents as (
    select * from {{ ref('stg_budget__documents') }}
),

keyed as (
    select
        {{ office_key('office_name') }} as office_id,
        *
    from documents
),

final as (
    select
        *,
        cast(row_number() over versions as integer) as version_number,
        lead(document_id) over versions as superseded_by,
        lead(document_id) over versions is null as is_latest_version
    from keyed
    window versions as (partition by office_id, fiscal_year, doc_kind order by loaded_at, document_id)
)

select * from final
