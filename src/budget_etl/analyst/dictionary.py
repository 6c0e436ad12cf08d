"""The data dictionary of the marts, generated from dbt's ``models/marts/_marts.yml``.

Every description there is ``中文 / English``. :func:`render` writes ``docs/data_dictionary.md`` (a test keeps
it in sync); :func:`zh_label` gives the short Chinese column names used as Excel headers by ``export``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from budget_etl.paths import project_root

DICTIONARY = Path("docs/data_dictionary.md")
_SEPARATOR = re.compile(r"\s*/\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_EXAMPLE = re.compile(r"（(?:如|[^）]*[A-Za-z_])[^）]*）")  # （如 …） and （dim_office）: not part of a name
_ASIDE = re.compile(r"（([^）]*?)[，；][^）]*）")  # （元，增加为正） -> （元）


# The one convention of every ratio in the marts, stated here once (the dictionary's introduction).
RATIO_CONVENTION = (
    "**Ratios / 比例：** every ratio is a fraction, 1 = 100 % (0.25 is 25 %; 比例一律为小数，1 即 100%): a part",
    "of a whole is a `*share*` column, 0–1 (`project_share_of_total`, `share_of_peer_total`,",
    "`spend_plan_share_m06`); one figure over another of the same kind is a `*rate` (`execution_rate`,",
    "`change_rate`, `grade_excellent_rate`; an execution rate may exceed 1, a change rate may be negative);",
    "`ratio_to_peer_median` is a multiple (1.5 = one and a half times the median). No column holds percents:",
    "a percentage a document prints (25%) is stored as 0.25. `three_public_per_10k_yuan` is an amount in yuan",
    "(per 10,000 yuan spent), not a ratio.",
)


def marts_yml() -> Path:
    return project_root() / "models" / "marts" / "_marts.yml"


def split_description(text: str) -> tuple[str, str]:
    """'金额（元） / Amount in yuan' -> ('金额（元）', 'Amount in yuan')."""
    # Chinese halves may hold "code 中文 / code 中文" lists and English halves may quote Chinese terms, so
    # the English half starts at the first " / " followed by a capital letter or a quote, else at the
    # first one followed by no Chinese before the next " / ".
    text = " ".join(text.split())
    cuts = list(_SEPARATOR.finditer(text))
    starts = [m for m in cuts if re.match(r"[A-Z\"']", text[m.end():])] or [
        m for m in cuts if not _CJK.search(_SEPARATOR.split(text[m.end():], maxsplit=1)[0])]
    if not starts or not _CJK.search(text[:starts[0].start()]):
        raise ValueError(f"not a '中文 / English' description: {text!r}")
    return text[:starts[0].start()].strip(), text[starts[0].end():].strip()


def zh_label(description: str, *, keep_detail: bool = False) -> str:
    """A short Chinese column name from a description: '金额（元） / Amount in yuan' -> '金额（元）',
    '单位编码（如 611002），文件未载明时为空 / ...' -> '单位编码'. With keep_detail the part after '：' is
    kept ('出处：表格行'), to tell apart columns whose short names collide."""
    zh = _ASIDE.sub(r"（\1）", _EXAMPLE.sub("", split_description(description)[0]))
    cut = r"[，；=]" if keep_detail else r"[：，；=]"
    return re.split(cut, zh, maxsplit=1)[0].strip()


def zh_labels(descriptions: dict[str, str]) -> dict[str, str]:
    """Chinese names for a table's columns (column -> description), unique within the table; a column
    without a description keeps its own name."""
    short = {c: zh_label(d) if d else c for c, d in descriptions.items()}
    clashes = {label for label in short.values() if list(short.values()).count(label) > 1}
    labels = {c: zh_label(descriptions[c], keep_detail=True) if short[c] in clashes else short[c]
              for c in descriptions}
    if len(set(labels.values())) != len(labels):
        raise ValueError(f"Chinese column names are not unique: {labels}")
    return labels


@dataclass
class Column:
    name: str
    data_type: str
    description: str
    not_null: bool
    primary_key: bool


@dataclass
class Model:
    name: str
    description: str
    columns: list[Column]
    grain: list[str]


def load(path: str | Path | None = None) -> list[Model]:
    """The marts of the dbt yml, in its order."""
    spec = yaml.safe_load(Path(path or marts_yml()).read_text(encoding="utf-8"))
    models = []
    for m in spec["models"]:
        columns = []
        for c in m.get("columns", []):
            kinds = {k.get("type") for k in c.get("constraints", [])}
            columns.append(Column(c["name"], c.get("data_type", ""), c.get("description", ""),
                                  "not_null" in kinds or "primary_key" in kinds, "primary_key" in kinds))
        grain = [c.name for c in columns if c.primary_key]
        for test in m.get("data_tests", []):
            if isinstance(test, dict) and "unique_combination_of_columns" in test:
                grain = grain or test["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
        models.append(Model(m["name"], m.get("description", ""), columns, grain))
    return models


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(models: list[Model] | None = None) -> str:
    """The markdown of docs/data_dictionary.md."""
    models = models if models is not None else load()
    out = [
        "# 数据字典 / Data dictionary",
        "",
        "<!-- Generated from models/marts/_marts.yml by `budget-etl dictionary`: do not edit by hand. -->",
        "",
        "The tables of schema `marts`, the contract analysts query (`select * from marts.mart_office_year`).",
        "Generated from the dbt project's `models/marts/_marts.yml`; the same descriptions are in the warehouse",
        "as comments (`select * from duckdb_columns() where schema_name = 'marts'`) and in the dbt docs site",
        "(`budget-etl docs`). *中文列名* is the column's Chinese name, used as the header by",
        "`budget-etl export --headers zh`. Amounts are exact `DECIMAL(18,2)` yuan; a blank cell is `NULL`,",
        "never zero.",
        "",
        *RATIO_CONVENTION,
        "",
        "Every table with `office_id` (but `dim_office_name`, the names themselves) carries the office's name and",
        "division beside it (`office_name`, `province`, `city`, `district`, from `dim_office`), and every column of",
        "codes a `<column>_zh` beside it with each code's Chinese name (seed `code_labels`, generated from the",
        "catalog's vocabularies): `doc_kind` `budget` is `doc_kind_zh` 部门预算. No join is needed to read a row.",
        "",
        "| table | 说明 | description | grain / 粒度 |",
        "|---|---|---|---|",
    ]
    for m in models:
        zh, en = split_description(m.description)
        out.append(f"| [`{m.name}`](#{m.name}) | {_cell(zh)} | {_cell(en)} | "
                   f"{', '.join(f'`{g}`' for g in m.grain)} |")
    for m in models:
        zh, en = split_description(m.description)
        labels = zh_labels({c.name: c.description for c in m.columns})
        out += [
            "", f"## {m.name}", "", _cell(zh), "", _cell(en), "",
            f"One row per {', '.join(f'`{g}`' for g in m.grain)}." if m.grain else "",
            "",
            "| column | 中文列名 | type | 说明 | description |",
            "|---|---|---|---|---|",
        ]
        for c in m.columns:
            czh, cen = split_description(c.description)
            key = " (key)" if c.primary_key else " (not null)" if c.not_null else ""
            out.append(f"| `{c.name}`{key} | {_cell(labels[c.name])} | `{c.data_type}` | {_cell(czh)} | "
                       f"{_cell(cen)} |")
    out += _rules()
    return "\n".join(line for line in _squeeze(out)) + "\n"


def _rules() -> list[str]:
    """The rulebook (budget_etl.validate.rulebook): what each check_name of dq_check_results means."""
    from budget_etl.catalog import vocab
    from budget_etl.validate.rulebook import NOT_COVERED, RULES

    out = [
        "", "## 校验规则 / Rules", "",
        "Each `check_name` of `dq_check_results` is a rule of the rulebook (`src/budget_etl/validate/rulebook.py`);",
        "a rule marked *family* names its rows `<rule>.<part>` (`schema.projects`). Severity is the rule's,",
        "whatever the outcome; `status` says the outcome (pass, fail, not_applicable, insufficient_data).",
        "*GovBudgetChecker* lists the rules of that checker the rule covers, in full or in part.",
        "",
        "| rule | 规则 | rule (en) | kind | severity | tolerance / 容差 | applies to | GovBudgetChecker |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in RULES:
        name = f"`{r.id}`" + (" (family)" if r.family else "")
        kinds = ", ".join(vocab.DOC_KINDS.terms[k] for k in r.applies_to)
        out.append(f"| {name} | {_cell(r.zh)} | {_cell(r.en)} | {r.kind} {vocab.CHECK_KINDS.terms[r.kind]} | "
                   f"{r.severity} {vocab.SEVERITIES.terms[r.severity]} | {_cell(r.tolerance[0])} / {_cell(r.tolerance[1])} | "
                   f"{kinds} | {', '.join(r.counterparts)} |")
    out += ["", "GovBudgetChecker rules no rule covers, and why (every other rule of that checker is covered, in",
            "full or in part, by the rules above):", "", "| GovBudgetChecker | 未覆盖的原因 | why not |", "|---|---|---|"]
    by_reason: dict[tuple[str, str], list[str]] = {}
    for rule_id, reason in sorted(NOT_COVERED.items()):
        by_reason.setdefault(reason, []).append(rule_id)
    out += [f"| {', '.join(ids)} | {_cell(zh)} | {_cell(en)} |" for (zh, en), ids in by_reason.items()]
    return out


def _squeeze(lines: list[str]) -> list[str]:
    """No two blank lines in a row."""
    kept: list[str] = []
    for line in lines:
        if line == "" and kept and kept[-1] == "":
            continue
        kept.append(line)
    return kept


def write(out: str | Path | None = None) -> Path:
    path = Path(out) if out else project_root() / DICTIONARY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
