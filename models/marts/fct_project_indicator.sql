with

indicators as (
    select * from {{ ref('stg_budget__project_indicators') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        indicators.document_id,
        indicators.project_code,
        indicators.level1_zh,
        indicators.level2_zh,
        indicators.level3_zh,
        indicators.description_zh,
        indicators.target_raw,
        indicators.target_operator,
        {{ label_zh('target_operator', 'indicators') }},
        indicators.target_value,
        indicators.target_unit,
        indicators.basis_zh,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        indicators.indicator_no,
        {{ provenance('indicators') }}
    from indicators
    inner join documents on indicators.document_id = documents.document_id
)

select * from final
