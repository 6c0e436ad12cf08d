-- 别名的规范名称本身不得再是别名，也不得与印出名称相同（否则部门键取决于读取顺序） /
-- An alias's canonical name is never itself an alias, nor the printed name again: office_id is computed from
-- the canonical name in one step (int_documents__offices), so a chain would split the office.

select printed_name || ' -> ' || canonical_name || ': the canonical name is an alias too, or the same name'
    as problem
from {{ ref('office_aliases') }}
where canonical_name in (select printed_name from {{ ref('office_aliases') }})
    or regexp_replace(canonical_name, '\s+', '', 'g') = regexp_replace(printed_name, '\s+', '', 'g')
