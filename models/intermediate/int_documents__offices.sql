-- Each document with its office key, and whether it is the latest loaded version of the office's
-- disclosure of that year and kind (a re-published file is a new document_id).

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
        row_number() over (
            partition by office_id, fiscal_year, doc_kind
            order by loaded_at desc, document_id desc
        ) = 1 as is_latest_version
    from keyed
)

select * from final
