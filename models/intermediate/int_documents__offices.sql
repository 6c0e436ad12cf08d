-- Each document with its office key and its place in the history of the office's disclosure of that year
-- and kind: a re-published file (new bytes) is a new document_id and a new version. Versions are numbered
-- in load order (ties within one batch broken by document_id); the latest version is the one the facts and
-- marts use, the earlier ones stay here with the document that superseded them. A 部门预算 (scope
-- department) and a 单位预算 (scope unit) of the same body and year are different documents, never versions
-- of each other; the office-year marts take one of them (the department's, where both are loaded), so
-- that no comparison adds the two together.

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

versioned as (
    select
        *,
        cast(row_number() over versions as integer) as version_number,
        lead(document_id) over versions as superseded_by,
        lead(document_id) over versions is null as is_latest_version
    from keyed
    window versions as (partition by office_id, fiscal_year, doc_kind, scope order by loaded_at, document_id)
),

final as (
    select
        *,
        is_latest_version and row_number() over (
            partition by office_id, fiscal_year, doc_kind, is_latest_version
            order by case scope when 'department' then 0 when 'unit' then 2 else 1 end, loaded_at, document_id
        ) = 1 as is_office_year_document
    from versioned
)

select * from final
