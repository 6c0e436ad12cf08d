{#- A Chinese label for matching: no whitespace, full-width parentheses. -#}
{% macro normalize_zh_label(label) -%}
    replace(replace(regexp_replace({{ label }}, '\s+', '', 'g'), '(', '（'), ')', '）')
{%- endmacro %}
