-- The counts each document states (编报绩效目标的项目个数, 车辆保有量, 单价超过限额的设备台数), one row per
-- document, metric and place: counts, never money. The document's main figure only.

with

counts as (
    select * from {{ ref('stg_budget__stated_counts') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        counts.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        documents.scope,
        {{ label_zh('scope', 'documents') }},
        counts.metric,
        {{ label_zh('metric', 'counts') }},
        counts.count,
        counts.threshold_yuan,
        counts.label_zh,
        {{ provenance('counts') }}
    from counts
    inner join documents
        on counts.document_id = documents.document_id
        and counts.measure = {{ main_measure('documents.doc_kind') }}
)

select * from final
