"""Every closed set of codes the warehouse uses, declared once.

The columns that hold them name them (``col(..., vocab=...)``); from there they become pandera ``isin``
checks, dbt ``accepted_values`` tests and the codes extractors emit (``VOCAB["code"]`` fails on a code the
catalog lacks). Adding a code here is the whole change for validation and dbt.
"""

from __future__ import annotations

from datetime import date

from budget_etl.catalog.declare import Vocabulary

DOC_KINDS = Vocabulary("doc_kind", "文件类型", "Kind of disclosure", {
    "budget": "部门预算",
    "final_accounts": "部门决算",
})

# Which figure of an item a fact is. A budget states its own figures (budget); a 决算 prints its 决算数 (final,
# the document's main figure) and often the budget beside it: 年初预算数 or 预算数 (budget) and 调整预算数
# (adjusted_budget). MAIN_MEASURES: the figure the marts' amount columns mean for each kind of disclosure.
MEASURES = Vocabulary("measure", "数字口径", "Which figure of an item a fact is", {
    "budget": "预算数（年初预算数）",
    "adjusted_budget": "调整预算数",
    "final": "决算数",
})
MAIN_MEASURES = {"budget": "budget", "final_accounts": "final"}

# The level of government an office belongs to (extract/divisions.py).
ADMIN_LEVELS = Vocabulary("admin_level", "行政层级", "Level of government of an office", {
    "province": "省级（含直辖市）",
    "city": "地市级",
    "county": "县区级",
    "township": "乡镇街道",
})
ADCODE = r"^[0-9]{6}\Z"  # national administrative division code: 130303 (河北省秦皇岛市山海关区)

SOURCE_FORMATS = Vocabulary("source_format", "文件格式", "File format", {
    "txt": "纯文本",
    "docx": "Word 文档（docx）",
    "doc": "Word 97-2003 文档（doc）",
    "pdf": "PDF 文件",
})

# The units of extract.numbers.UNIT_SCALE (a test holds the two equal; no import: numbers stays standalone)
CURRENCY_UNITS = Vocabulary("currency_unit", "金额单位", "Unit amounts are stated in", {
    "元": "元",
    "千元": "千元",
    "万元": "万元",
    "百万元": "百万元",
    "亿元": "亿元",
})

PUBLICATION_EVENTS = Vocabulary("publication_event", "发布事件", "Publication event", {
    "loaded": "首次入库",
    "republished": "被取代的文件放回原处，重新发布",
})

# Why a version of a disclosure is served, or why not (raw.document_versions, marts.dim_document).
VERSION_REASONS = Vocabulary("version_reason", "版本说明", "Why a version is served or not", {
    "only_version": "唯一版本",
    "edition": "更正/修订版，优先于未标明版次的版本",
    "later_arrival": "较晚到达的版本",
    "republished": "重新发布（放回原处）的版本",
    "superseded_by_edition": "已被更正/修订版取代",
    "superseded_by_later_arrival": "已被较晚到达的版本取代",
    "superseded_by_republished": "已被重新发布的版本取代",
    # set by the marts (int_documents__offices), never by raw.document_versions: two names of one office
    "superseded_by_other_name": "已被同一部门以另一名称（已确认别名）发布的较晚版本取代",
})

REVENUE_SOURCES = Vocabulary("revenue_source", "收入来源", "Source of revenue", {
    "general_public_budget": "一般公共预算拨款收入",
    "government_fund": "政府性基金预算拨款收入",
    "fiscal_special_account": "财政专户管理资金收入",
    "public_institution_income": "事业收入",
    "higher_level_subsidy": "上级补助收入",
    "prior_year_carryover": "上年结转",
    "other": "其他收入",
    "state_capital_operation": "国有资本经营预算拨款收入",
    "business_income": "事业单位经营收入",
    "subsidiary_remittance": "附属单位上缴收入",
})

EXPENDITURE_CLASSES = Vocabulary("expenditure_class", "支出类别", "Class of expenditure", {
    "basic": "基本支出",
    "project": "项目支出",
    "other": "基本支出、项目支出以外的其他用途",  # national table set: the total includes them
})

EXPENDITURE_TYPES = Vocabulary("expenditure_type", "支出类型", "Type of expenditure", {
    "personnel": "人员经费",
    "public_operating": "日常公用经费",
    "project": "项目支出",
    # class other
    "unit_reserve": "单位预留机动经费",
    "business_operation": "事业单位经营支出",
    "higher_level_remittance": "上缴上级支出",
    "subsidiary_subsidy": "对附属单位补助支出",
})

# The expenditure types of class other (a row rule holds class other to exactly these types)
OTHER_EXPENDITURE_TYPES = ("unit_reserve", "business_operation", "higher_level_remittance", "subsidiary_subsidy")

SCOPES = Vocabulary("scope", "文件范围", "What a document covers", {
    "department": "部门（含所属单位，汇总）",
    "unit": "单位（一个预算单位）",
})

# The money a table by function or economic class covers
FUND_SCOPES = Vocabulary("fund_scope", "资金范围", "Money a table covers", {
    "all_funds": "全部资金（支出总表）",
    "fiscal_appropriation": "财政拨款",
    "general_public_budget": "一般公共预算",
    "government_fund": "政府性基金预算",
    "state_capital_operation": "国有资本经营预算",
})

FUNCTION_LEVELS = Vocabulary("function_level", "功能分类科目级次", "Level of a function class code", {
    "class": "类（3 位）",
    "section": "款（5 位）",
    "item": "项（7 位）",
})

ECONOMIC_SCHEMES = Vocabulary("economic_scheme", "经济分类体系", "Economic classification scheme", {
    "department": "部门预算支出经济分类（301、302…）",
    "government": "政府预算支出经济分类（501、502…）",
})

THREE_PUBLIC_CATEGORIES = Vocabulary("three_public_category", "“三公”经费类别", "Category of the 三公 costs", {
    "overseas_travel": "因公出国（境）费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费",
    # a document that states 公务用车购置及运行费 only as one combined item, its parts not given
    "vehicle_purchase_and_operation": "公务用车购置及运行费",
    "official_reception": "公务接待费",
})

TOTAL_METRICS = Vocabulary("total_metric", "合计数指标", "Total or subtotal a document states", {
    "revenue_total": "收入合计",
    "expenditure_total": "支出合计",
    "basic_total": "基本支出",
    "operating_expense_total": "机关运行经费",
    "three_public_total": "“三公”经费合计",
    "three_public_prior_year_total": "上年“三公”经费合计（三公表所列上年预算）",
    "asset_total": "固定资产总额",
    "project_example": "举例说明的项目支出",
    # national table set
    "revenue_this_year": "本年收入合计",
    "expenditure_this_year": "本年支出合计",
    "meeting_fee": "会议费",
    "training_fee": "培训费",
    "procurement_total": "政府采购预算合计",
    "function_total_all_funds": "支出功能分类合计（全部资金）",
    "function_total_fiscal_appropriation": "支出功能分类合计（财政拨款）",
    "function_total_general_public_budget": "支出功能分类合计（一般公共预算）",
    "function_total_government_fund": "支出功能分类合计（政府性基金）",
    # the same figure as the text states it, beside the table's (checked: identity.text_vs_table.<metric>)
    "operating_expense_total_text": "机关运行经费（正文）",
    "procurement_total_text": "政府采购预算合计（正文）",
    "three_public_total_text": "“三公”经费合计（正文）",
    # a 三公 item as the text states it, beside the 三公 table's (three_public_costs) item of that category
    "overseas_travel_text": "因公出国（境）费（正文）",
    "vehicle_purchase_text": "公务用车购置费（正文）",
    "vehicle_operation_text": "公务用车运行维护费（正文）",
    "vehicle_purchase_and_operation_text": "公务用车购置及运行费（正文）",
    "official_reception_text": "公务接待费（正文）",
    # funds of the projects that have performance targets (涉及项目预算资金), stated in the text
    "performance_funds": "编报绩效目标的项目涉及资金",
})

# Counts a document states (not money): projects with performance targets, vehicles, equipment.
COUNT_METRICS = Vocabulary("count_metric", "数量指标", "Count a document states", {
    "performance_projects": "编报绩效目标的项目个数",
    "vehicles": "车辆保有量（辆）",
    # 单价（单位价值）N万元（含）以上设备（不含车辆）: the threshold is in threshold_yuan
    "equipment_over_threshold": "单价超过限额的设备台（套）数",
})

CHANGE_METRICS = Vocabulary("change_metric", "增减指标", "Figure whose change on last year is stated", {
    "expenditure_total": "支出合计",
    "basic": "基本支出",
    "project": "项目支出",
    "three_public_total": "“三公”经费合计",
    # the combined 公务用车购置及运行费 when the document also gives its parts (the 三公 rows)
    "vehicle_purchase_and_operation": "公务用车购置及运行费",
})

# The headline figures of an office and year the marts compare (int_document_metrics: mart_yoy,
# mart_office_comparison, mart_budget_execution), each a stated total or the sum of its parts, and the 三公 items.
OFFICE_YEAR_METRICS = Vocabulary("office_year_metric", "指标", "Headline figure of an office and year", {
    "total_revenue": "收入合计",
    "total_expenditure": "支出合计",
    "basic": "基本支出",
    "personnel": "人员经费",
    "public_operating": "日常公用经费",
    "project": "项目支出",
    "operating_expense": "机关运行经费",
    "three_public": "“三公”经费",
    "fixed_assets": "固定资产总额",
    **THREE_PUBLIC_CATEGORIES.terms,
    "performance_funds": TOTAL_METRICS.terms["performance_funds"],
})

# The kinds of table of the national table set (extract/templates/national_tables.TABLE_KINDS; a test holds the
# two equal): which table a figure of raw.table_figures was read from.
TABLE_KINDS = Vocabulary("table_kind", "公开表种类", "Kind of table of the national table set", {
    "summary": "收支总表（收入支出决算总表）",
    "revenue_summary": "收入总表（收入决算表）",
    "expenditure_summary": "支出总表（支出决算表）",
    "fiscal_summary": "财政拨款收支总表",
    "by_function": "一般公共预算（财政拨款）支出表（功能分类）",
    "basic_by_economic": "基本支出表（经济分类）",
    "by_economic": "支出经济分类表",
    "three_public": "“三公”经费支出表",
    "government_fund": "政府性基金预算支出表",
    "state_capital": "国有资本经营预算支出表",
    "operating_expense": "机关运行经费表",
    "procurement": "政府采购预算表",
    "purchase_of_services": "政府购买服务预算表",
    "assets": "国有资产占用情况表",
    "performance": "绩效目标表",
})

# The row of a table a figure stands in: its 合计/总计 row, or a total row of a 收支总表 (both sides).
TABLE_ROW_KEYS = Vocabulary("table_row_key", "表格合计行", "Total row of a table a figure stands in", {
    "total": "合计（总计）行",
    "revenue_total": "收入总计",
    "expenditure_total": "支出总计",
    "revenue_this_year": "本年收入合计",
    "expenditure_this_year": "本年支出合计",
    "carryover_begin": "年初结转和结余（上年结转）",
    "carryover_end": "年末结转和结余（结转下年）",
    "non_fiscal_balance_used": "使用非财政拨款结余",
    "balance_distribution": "结余分配",
    "personnel": "人员经费合计",
    "public_operating": "公用经费合计",
    "general_public_budget": "一般公共预算拨款（财政拨款收支总表收入方）",
    "government_fund": "政府性基金预算拨款（财政拨款收支总表收入方）",
    "state_capital_operation": "国有资本经营预算拨款（财政拨款收支总表收入方）",
})

# The column of a table a figure stands in, by its header label.
TABLE_COLUMN_KEYS = Vocabulary("table_column_key", "表格列", "Column of a table a figure stands in", {
    "total": "合计（金额、预算数、决算数）",
    "basic": "基本支出",
    "project": "项目支出",
    "personnel": "人员经费",
    "public_operating": "公用经费",
    "fiscal_appropriation": "财政拨款",
    "general_public_budget": "一般公共预算",
    "government_fund": "政府性基金预算",
    "state_capital_operation": "国有资本经营预算",
    "carryover_begin": "上年结转（年初结转和结余）",
    "carryover_end": "结转下年（年末结转和结余）",
    "unit_reserve": "单位预留机动经费",
    "business_operation": "事业单位经营支出",
    "higher_level_remittance": "上缴上级支出",
    "subsidiary_subsidy": "对附属单位补助支出",
})

# Where mart_budget_execution's budget figure comes from.
BUDGET_SOURCES = Vocabulary("budget_source", "预算数来源", "Where the budget figure of an execution row comes from", {
    "budget_document": "本部门同年度的部门预算文件",
    "final_accounts": "决算文件中列示的预算数",
    "both": "两者皆有（以部门预算文件为准，不一致时另有标记）",
})

# Where mart_yoy's prior-year figure comes from.
PRIOR_SOURCES = Vocabulary("prior_source", "上年数来源", "Where a year-on-year row's prior-year figure comes from", {
    "stated": "本年文件自述",
    "prior_document": "上年文件",
    "both": "两者皆有（以自述为准，是否一致另有标记）",
})

# The peer groups of mart_office_comparison.
PEER_GROUP_TYPES = Vocabulary("peer_group_type", "比较组类型", "Kind of peer group an office is compared in", {
    "district": "同区县",
    "city": "同地市",
    "province": "同省",
    "office_type_in_province": "同省同类部门",
    "office_type_national": "全国同类部门",
})

SECTION_KEYS = Vocabulary("section_key", "章节", "Section of a disclosure", {
    "duties": "部门职责",
    "overview": "收支预算总体情况",
    "operating_expense": "机关运行经费",
    "three_public": "“三公”经费",
    "performance": "绩效目标",
    "projects": "项目绩效目标表",  # part of 绩效 in the notes form, no heading of its own
    "procurement": "政府采购",
    "assets": "固定资产占用情况",
    "glossary": "名词解释",
    "government_fund": "政府性基金预算财政拨款支出表",
    "state_capital": "国有资本经营预算财政拨款支出表",
})

SECTION_STATUSES = Vocabulary("section_status", "章节状态", "Whether a section is in the document", {
    "present": "有内容",
    "declared_empty": "文件声明为空",
    "missing": "缺失",
})

TARGET_OPERATORS = Vocabulary("target_operator", "目标值比较符", "Comparison of a quantitative target", {
    ">=": "≥",
    "<=": "≤",
    ">": "＞",
    "<": "＜",
    "=": "＝",
})

CHECK_KINDS = Vocabulary("check_kind", "校验种类", "Kind of check", {
    "identity": "勾稽关系",
    "schema": "结构与取值",
    "completeness": "章节完整性",  # a core subject mentioned with amounts but without facts
    "wording": "措辞与格式",
    "change": "增减及其说明",
    "execution": "预算执行",
})

SEVERITIES = Vocabulary("severity", "严重程度", "Severity of a check", {
    "error": "错误",
    "warning": "警告",
    "info": "提示",
})

CHECK_STATUSES = Vocabulary("check_status", "校验结果", "Outcome of a check", {
    "pass": "通过",
    "fail": "不通过",
    "not_applicable": "不适用",
    "insufficient_data": "数据不足",
})

FETCH_OUTCOMES = Vocabulary("fetch_outcome", "下载结果", "What a request for a disclosure's URL brought", {
    "fetched": "已下载（新的或已更改的文件）",
    "not_modified": "未更改（304，未传输）",
    "unchanged": "已下载，与上次相同",
    "html_not_document": "网页而非文件（不入库）",
    "not_a_document": "非 PDF、Word 或文本文件（不入库）",
    "not_found": "404/410：地址已失效",
    "http_error": "其他 HTTP 错误（含重试后仍为 429/5xx）",
    "timeout": "超时（重试后）",
    "network_error": "网络错误（重试后）",
    "too_large": "超过大小上限（已放弃）",
    "redirect_refused": "重定向到非 http(s) 地址或次数过多",
})

# Codes only the marts compute (dbt), by the mart column that holds them: no staging column carries them, so
# they are named here to reach the seed code_labels (the marts' <column>_zh labels) like every other code.
MART_COLUMN_VOCABULARIES: dict[str, Vocabulary] = {
    "metric": OFFICE_YEAR_METRICS,  # beside the documents' own metric codes (one label per code)
    "budget_source": BUDGET_SOURCES,
    "prior_source": PRIOR_SOURCES,
    "peer_group_type": PEER_GROUP_TYPES,
}

ALL: tuple[Vocabulary, ...] = (
    DOC_KINDS, MEASURES, BUDGET_SOURCES, PRIOR_SOURCES, PEER_GROUP_TYPES, OFFICE_YEAR_METRICS, SOURCE_FORMATS, CURRENCY_UNITS, REVENUE_SOURCES, EXPENDITURE_CLASSES,
    EXPENDITURE_TYPES,
    THREE_PUBLIC_CATEGORIES, TOTAL_METRICS, COUNT_METRICS, CHANGE_METRICS, SECTION_KEYS, SECTION_STATUSES, TARGET_OPERATORS,
    CHECK_KINDS, SEVERITIES, CHECK_STATUSES, ADMIN_LEVELS, PUBLICATION_EVENTS, VERSION_REASONS, SCOPES, FUND_SCOPES,
    FUNCTION_LEVELS, ECONOMIC_SCHEMES, TABLE_KINDS, TABLE_ROW_KEYS, TABLE_COLUMN_KEYS, FETCH_OUTCOMES,
)

# Formats of codes that are open sets (a regex each); \Z: no trailing newline.
SHA256 = r"^[0-9a-f]{64}\Z"
PROJECT_CODE = r"^[0-9]{3}-[0-9]{4}-[A-Z]{3}-[A-Z0-9]{4}\Z"  # 611-1501-YBN-7FFL
UNIT_CODE = r"^[0-9]{6}\Z"
FIRST_FISCAL_YEAR = 1990
LAST_FISCAL_YEAR = date.today().year + 2  # budgets are published for the coming year, at most
