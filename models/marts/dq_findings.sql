-- The findings to act on: every failed check of the latest version of each document, with its rule's title
-- and suggestion, the figures compared and where each was read; a finding a reviewer has accepted (seed
-- finding_acknowledgements) is left out.

with

checks as (
    select * from {{ ref('dq_check_results') }}
    where status = 'fail' and is_latest_version
),

rules as (
    select * from {{ ref('rules') }}
),

documents as (
    select * from {{ ref('dim_document') }}
),

acknowledged as (
    select distinct document_id, check_name from {{ ref('finding_acknowledgements') }}
),

final as (
    select
        checks.document_id,
        checks.office_id,
        {{ office_columns('checks.office_id') }},
        checks.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        documents.file_name,
        checks.rule_id,
        checks.check_name,
        rules.title_zh as rule_title_zh,
        checks.severity,
        {{ label_zh('severity', 'checks') }},
        checks.expected,
        checks.actual,
        checks.difference,
        checks.detail,
        rules.suggestion_zh,
        {{ provenance('checks') }}
    from checks
    left join rules on checks.rule_id = rules.rule_id
    left join documents on checks.document_id = documents.document_id
    where not exists (
        select 1 from acknowledged
        where acknowledged.document_id = checks.document_id and acknowledged.check_name = checks.check_name
    )
)

select * from final
