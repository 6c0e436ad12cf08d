-- Operating expense items with the canonical item_code of the seed; `other` where the name is not listed.

with

items as (
    select * from {{ ref('stg_budget__operating_expenses') }}
),

codes as (
    select * from {{ ref('operating_expense_items') }}
),

final as (
    select
        items.*,
        coalesce(codes.item_code, 'other') as item_code
    from items
    left join codes
        on {{ normalize_zh_label('items.item_name_zh') }} = {{ normalize_zh_label('codes.item_name_zh') }}
)

select * from final
