{#-
    office_id: 'ofc_' + the first 16 hex digits of md5(office name without whitespace), applied once, in
    int_documents__offices, to the office's canonical name (seed office_aliases, else the printed name in
    Simplified characters: readers/normalize.py name_key), so a renamed office keeps its key once its alias
    is accepted.

    Why not unit_code: it is missing from many documents (Xiguan prints it only in the headers of its
    project tables, so a year without projects would get another key) and it is a code of the district's
    finance bureau, not unique across districts. The office name as the title prints it
    (山海关区西关街道办事处) carries its district and is the same in every year's disclosure.
-#}
{% macro office_key(office_name) -%}
    'ofc_' || substr(md5(regexp_replace({{ office_name }}, '\s+', '', 'g')), 1, 16)
{%- endmacro %}
