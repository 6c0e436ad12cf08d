-- raw.document_versions (declared in src/budget_etl/catalog/tables.py: DocumentVersion).
-- The versions of each disclosure (an office's document of one fiscal year and kind), in order: first the
-- document's own edition words (更正, 修订, 修正 in its title or file name: a corrected edition outranks one
-- that says nothing), then its arrival (the latest publication; documents loaded before raw.publications
-- existed arrive at loaded_at), never its hash. The last is served: the marts use only it
-- (marts.dim_document shows all, with version_reason), and the ingest logs every supersession from here. A
-- 部门预算 (scope department) and a 单位预算 (scope unit) of the same body and year are different documents,
-- never versions of each other.
with

arrivals as (
    select document_id, max(published_at) as published_at, max(arrival) as arrival,
           arg_max(event, arrival) as last_event
    from raw.publications
    group by document_id
),

documents as (
    select
        d.document_id,
        d.source_path,
        regexp_replace(d.office_name, '\s+', '', 'g') as office_key,
        d.fiscal_year,
        d.doc_kind,
        d.scope,
        nullif(regexp_extract(d.title || ' ' || d.file_name, '更正|修订|修正'), '') as edition,
        coalesce(a.published_at, d.loaded_at) as published_at,
        a.arrival,
        coalesce(a.last_event, 'loaded') as last_event
    from raw.documents d
    left join arrivals a using (document_id)
),

ordered as (
    select
        *,
        cast(row_number() over versions as integer) as version_number,
        count(*) over (partition by office_key, fiscal_year, doc_kind, scope) as versions,
        lag(edition) over versions as previous_edition,
        lead(document_id) over versions as superseded_by,
        lead(edition) over versions as next_edition,
        lead(last_event) over versions as next_last_event
    from documents
    -- source_path and document_id only make the order total: one path holds one file at a time
    window versions as (partition by office_key, fiscal_year, doc_kind, scope
                        order by edition is not null, published_at, arrival nulls first, source_path, document_id)
)

select
    document_id,
    source_path,
    office_key,
    fiscal_year,
    doc_kind,
    scope,
    edition,
    published_at,
    version_number,
    superseded_by,
    superseded_by is null as is_latest_version,
    case
        when versions = 1 then 'only_version'
        when superseded_by is null and edition is not null and previous_edition is null then 'edition'
        when superseded_by is null and last_event = 'republished' then 'republished'
        when superseded_by is null then 'later_arrival'
        when next_edition is not null and edition is null then 'superseded_by_edition'
        when next_last_event = 'republished' then 'superseded_by_republished'
        else 'superseded_by_later_arrival'
    end as version_reason
from ordered
