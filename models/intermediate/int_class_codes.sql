-- The national code lists (seeds function_classes and economic_classes) as one lookup: one row per code and
-- span of years its printed name is valid in, with the class it belongs to now (current_code: the same code
-- across a rename, its successor where the code itself changed) and each code's name now. Empty bounds are
-- open: no start or end is known.

with

codes as (
    select 'function' as classification, function_code as code, name_zh, valid_from, valid_to, current_code, source
    from {{ ref('function_classes') }}

    union all
    select scheme, economic_code, name_zh, valid_from, valid_to, current_code, source
    from {{ ref('economic_classes') }}
),

spans as (
    select
        *,
        coalesce(valid_from, 0) as span_from,
        coalesce(valid_to, 9999) as span_to
    from codes
),

names_now as (
    -- a code's name now: the name of its latest span
    select classification, code, arg_max(name_zh, span_to * 10000 + span_from) as name_now_zh,
        arg_max(current_code, span_to * 10000 + span_from) as latest_current_code
    from spans
    group by classification, code
),

final as (
    select spans.*, names_now.name_now_zh, names_now.latest_current_code
    from spans
    inner join names_now on spans.classification = names_now.classification and spans.code = names_now.code
)

select * from final
