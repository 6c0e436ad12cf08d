-- Every validation check of every document, passes included (raw.validation_results).

with

results as (
    select * from {{ ref('stg_budget__validation_results') }}
),

documents as (
    select * from {{ ref('int_documents__offices') }}
),

final as (
    select
        results.document_id,
        results.check_name,
        results.severity,
        results.expected,
        results.actual,
        results.difference,
        results.status,
        results.check_kind,
        results.detail,
        documents.office_id,
        documents.fiscal_year,
        {{ provenance('results') }},
        coalesce(documents.is_latest_version, false) as is_latest_version
    from results
    left join documents on results.document_id = documents.document_id
)

select * from final
