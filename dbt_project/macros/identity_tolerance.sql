{#- Largest |stated - sum of parts| that still counts as equal, for a document in currency_unit with
    n_parts parts: none for documents in 元 (exact to the fen); for documents in a larger unit, half of the
    0.01 of that unit each figure is printed to (50 yuan in 万元) for each part and the total. -#}
{% macro identity_tolerance(currency_unit, n_parts) -%}
    case {{ currency_unit }}
    {%- for unit, half in var('identity_rounding_yuan').items() %}
         when '{{ unit }}' then {{ half }} * ({{ n_parts }} + 1)
    {%- endfor %}
         else 0 end
{%- endmacro %}
