with

projects as (
    select * from {{ ref('stg_budget__projects') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        projects.document_id,
        documents.office_id,
        documents.fiscal_year,
        projects.project_code,
        projects.project_name_zh,
        projects.budget_yuan,
        projects.fiscal_funds_yuan,
        projects.other_funds_yuan,
        projects.spend_plan_pct_m03,
        projects.spend_plan_pct_m06,
        projects.spend_plan_pct_m10,
        projects.spend_plan_pct_m12,
        projects.project_no,
        projects.purpose_zh,
        {{ provenance('projects') }}
    from projects
    inner join documents on projects.document_id = documents.document_id
)

select * from final
