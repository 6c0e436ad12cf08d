with

source as (
    select * from {{ source('budget', 'duties') }}
),

renamed as (
    select
        document_id,
        duty_no,
        duty_name_zh,
        responsibility_zh,
        duty_targets_zh,
        performance_goal_zh,
        performance_indicators_zh,
        performance_standard_zh,
        cast(grade_excellent_pct as decimal(5, 2)) as grade_excellent_pct,
        cast(grade_good_pct as decimal(5, 2)) as grade_good_pct,
        cast(grade_fair_pct as decimal(5, 2)) as grade_fair_pct,
        cast(grade_poor_pct as decimal(5, 2)) as grade_poor_pct,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
