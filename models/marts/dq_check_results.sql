-- Every validation check of every document, passes included (raw.validation_results), with the rule of the
-- rulebook it belongs to (seed rules: a rule's own id, else the most specific family it names).

with

results as (
    select * from {{ ref('stg_budget__validation_results') }}
),

documents as (
    select * from {{ ref('int_documents__offices') }}
),

rules as (
    select * from {{ ref('rules') }}
),

check_rules as (
    -- the rule of each check name: its own, else the longest family id it starts with
    select names.check_name, arg_max(rules.rule_id, length(rules.rule_id)) as rule_id
    from (select distinct check_name from results) as names
    inner join rules
        on names.check_name = rules.rule_id
        or (rules.is_family and starts_with(names.check_name, rules.rule_id || '.'))
    group by names.check_name
),

ruled as (
    select results.*, check_rules.rule_id
    from results
    left join check_rules on results.check_name = check_rules.check_name
),

final as (
    select
        ruled.document_id,
        ruled.check_name,
        ruled.severity,
        {{ label_zh('severity', 'ruled') }},
        ruled.expected,
        ruled.actual,
        ruled.difference,
        ruled.status,
        {{ label_zh('status', 'ruled') }},
        ruled.check_kind,
        {{ label_zh('check_kind', 'ruled') }},
        ruled.detail,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        {{ provenance('ruled') }},
        coalesce(documents.is_latest_version, false) as is_latest_version,
        ruled.rule_id,
        rules.title_zh as rule_title_zh
    from ruled
    left join documents on ruled.document_id = documents.document_id
    left join rules on ruled.rule_id = rules.rule_id
)

select * from final
