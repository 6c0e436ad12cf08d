-- Each document with its office key and its place in the history of the office's disclosure of that year
-- and kind: a re-published file (new bytes) is a new document_id and a new version. The order of versions
-- is raw.document_versions' (src/budget_etl/catalog/views/document_versions.sql; the ingest reads it too): the
-- document's own edition words (更正, 修订, 修正) first, then its arrival (a file put back arrives again),
-- never its hash. The latest version is the one the facts and marts use; the earlier ones stay here with the
-- document that superseded them and why (version_reason). A 部门预算 (scope department) and a 单位预算 (scope
-- unit) of the same body and year are different documents, never versions of each other; the office-year
-- marts take one of them (the department's, where both are loaded), so that no comparison adds the two.

with

documents as (
    select * from {{ ref('stg_budget__documents') }}
),

versions as (
    select * from {{ source('budget', 'document_versions') }}
),

aliases as (
    select * from {{ ref('office_aliases') }}
),

named as (
    -- The printed name as compared: Simplified, no whitespace (computed by the ingest: readers/normalize.py
    -- name_key; a document loaded before that column existed: its printed name without whitespace).
    select
        documents.*,
        coalesce(documents.office_name_simplified,
                 regexp_replace(documents.office_name, '\s+', '', 'g')) as office_name_compared
    from documents
),

versioned as (
    -- office_id is computed here and nowhere else: the md5 (macro office_key) of the office's canonical name,
    -- the name a person accepted for the printed name in the seed office_aliases, else the name as compared
    select
        {{ office_key('coalesce(aliases.canonical_name, named.office_name_compared)') }} as office_id,
        coalesce(regexp_replace(aliases.canonical_name, '\s+', '', 'g'), named.office_name_compared)
            as canonical_name,
        named.*,
        versions.version_number,
        versions.superseded_by,
        versions.is_latest_version,
        versions.version_reason,
        versions.edition,
        versions.published_at
    from named
    inner join versions on named.document_id = versions.document_id
    left join aliases on regexp_replace(aliases.printed_name, '\s+', '', 'g') = named.office_name_compared
),

served as (
    -- raw.document_versions orders the versions of each printed name apart: two names of one office (an
    -- accepted alias) may each have a latest version of the same year, kind and scope. The one that comes
    -- last in the same order (edition words, then publication) is served; the other is superseded by it.
    select
        *,
        first(document_id) over (
            partition by office_id, fiscal_year, doc_kind, scope, is_latest_version
            order by edition is not null desc, published_at desc, source_path desc, document_id desc
        ) as served_document_id
    from versioned
),

named_apart as (
    select
        * exclude (served_document_id) replace (
            is_latest_version and served_document_id = document_id as is_latest_version,
            case when is_latest_version and served_document_id <> document_id
                then served_document_id else superseded_by end as superseded_by,
            case when is_latest_version and served_document_id <> document_id
                then 'superseded_by_other_name' else version_reason end as version_reason
        )
    from served
),

final as (
    select
        *,
        is_latest_version and row_number() over (
            partition by office_id, fiscal_year, doc_kind, is_latest_version
            order by case scope when 'department' then 0 when 'unit' then 2 else 1 end, loaded_at, document_id
        ) = 1 as is_office_year_document
    from named_apart
)

select * from final
