{#- Largest |stated - sum of parts| that still counts as equal, for a document in currency_unit with
    n_parts parts: none for documents in 元 (exact to the fen), half a printed 0.01 万元 (50 yuan) for each part and the total for documents in 万元. -#}
{% macro identity_tolerance(currency_unit, n_parts) -%}
    case when {{ currency_unit }} = '万元'
         then {{ var('identity_tolerance_wan_yuan') }} * ({{ n_parts }} + 1)
         else {{ var('identity_tolerance_yuan') }} end
{%- endmacro %}
