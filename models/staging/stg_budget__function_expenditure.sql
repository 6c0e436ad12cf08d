with

source as (
    select * from {{ source('budget', 'function_expenditure') }}
),

renamed as (
    select
        document_id,
        function_code,
        level,
        name_zh,
        cast(total_yuan as decimal(18, 2)) as total_yuan,
        cast(basic_yuan as decimal(18, 2)) as basic_yuan,
        cast(project_yuan as decimal(18, 2)) as project_yuan,
        fund_scope,
        src_line,
        src_table,
        src_row,
        src_col
    from source
)

select * from renamed
