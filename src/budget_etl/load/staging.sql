-- Staging tables in schema raw: what the ingest step loads, one table per entity.
-- Fact tables have document_id (= the document's sha256) first, then the fields of the record class of
-- the same name in facts.py, with provenance as src_line / src_table / src_row / src_col.
-- Amounts are DECIMAL(18,2) in yuan; NULL means the document leaves the value empty.

create schema if not exists raw;

create table if not exists raw.documents (
    document_id          varchar primary key,   -- sha256 of the file's bytes
    sha256               varchar not null,
    source_path          varchar not null,
    file_name            varchar not null,
    size_bytes           bigint not null,
    encoding             varchar not null,
    source_format        varchar not null,      -- txt | docx
    title                varchar not null,
    doc_kind             varchar not null,      -- budget | final_accounts
    fiscal_year          integer not null,
    office_name          varchar not null,
    unit_code            varchar,
    unit_full_name       varchar,
    district             varchar,
    city                 varchar,
    province             varchar,
    currency_unit        varchar not null,
    overall_goal_zh      varchar,
    new_assets_budgeted  boolean,
    is_synthetic         boolean not null,
    scope                varchar,               -- department | unit | NULL (not stated)
    src_line             integer,
    src_table            integer,
    src_row              integer,
    src_col              integer,
    parser_version       varchar not null,
    batch_id             varchar not null,
    loaded_at            timestamp not null,
    normalized_text      varchar not null
);

create table if not exists raw.sections (
    document_id varchar not null, section_key varchar not null, title_zh varchar, status varchar not null,
    note_zh varchar, src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.stated_totals (
    document_id varchar not null, metric varchar not null, label_zh varchar not null,
    amount_yuan decimal(18,2) not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.revenue (
    document_id varchar not null, revenue_source varchar not null, label_zh varchar not null,
    amount_yuan decimal(18,2) not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.expenditure (
    document_id varchar not null, expenditure_class varchar not null, expenditure_type varchar not null,
    label_zh varchar not null, amount_yuan decimal(18,2) not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.stated_changes (
    document_id varchar not null, metric varchar not null, change_yuan decimal(18,2) not null,
    current_yuan decimal(18,2), prior_year_yuan decimal(18,2),
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.operating_expenses (
    document_id varchar not null, item_no integer not null, item_name_zh varchar not null,
    amount_yuan decimal(18,2) not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.three_public_costs (
    document_id varchar not null, category varchar not null, category_zh varchar not null,
    amount_yuan decimal(18,2) not null, change_yuan decimal(18,2), prior_year_yuan decimal(18,2),
    change_reason_zh varchar,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.duties (
    document_id varchar not null, duty_no integer not null, duty_name_zh varchar not null,
    responsibility_zh varchar, duty_targets_zh varchar, performance_goal_zh varchar,
    performance_indicators_zh varchar, performance_standard_zh varchar,
    grade_excellent_pct decimal(5,2), grade_good_pct decimal(5,2), grade_fair_pct decimal(5,2),
    grade_poor_pct decimal(5,2),
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.projects (
    document_id varchar not null, project_no integer not null, project_code varchar not null,
    project_name_zh varchar not null, budget_yuan decimal(18,2), fiscal_funds_yuan decimal(18,2),
    other_funds_yuan decimal(18,2), purpose_zh varchar,
    spend_plan_pct_m03 decimal(5,2), spend_plan_pct_m06 decimal(5,2), spend_plan_pct_m10 decimal(5,2),
    spend_plan_pct_m12 decimal(5,2), goals_zh varchar,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.project_indicators (
    document_id varchar not null, project_code varchar not null, indicator_no integer not null,
    level1_zh varchar not null, level2_zh varchar not null, level3_zh varchar not null,
    description_zh varchar, target_raw varchar, target_operator varchar, target_value decimal(18,4),
    target_unit varchar, basis_zh varchar,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.procurement_items (
    document_id varchar not null, item_no integer not null, project_name_zh varchar, item_name_zh varchar,
    catalog_no varchar, quantity decimal(18,2), unit_zh varchar, unit_price_yuan decimal(18,2),
    amount_yuan decimal(18,2),
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.assets (
    document_id varchar not null, item_no integer not null, asset_class_zh varchar not null,
    unit_zh varchar, quantity decimal(18,2), value_yuan decimal(18,2), as_of_date date,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.glossary (
    document_id varchar not null, term_no integer not null, term_zh varchar not null,
    definition_zh varchar not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.function_expenditure (
    document_id varchar not null, function_code varchar not null, level varchar not null,
    name_zh varchar not null, total_yuan decimal(18,2) not null, basic_yuan decimal(18,2),
    project_yuan decimal(18,2), fund_scope varchar not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

create table if not exists raw.economic_expenditure (
    document_id varchar not null, economic_code varchar not null, scheme varchar not null,
    name_zh varchar not null, amount_yuan decimal(18,2) not null, fund_scope varchar not null,
    src_line integer, src_table integer, src_row integer, src_col integer
);

-- Results of validation, passes included, so that coverage is visible.
create table if not exists raw.validation_results (
    document_id varchar not null,
    check_name  varchar not null,   -- e.g. identity.revenue_total, schema.projects
    check_kind  varchar not null,   -- identity | schema
    severity    varchar not null,   -- error | warning | info
    status      varchar not null,   -- pass | fail | not_applicable | insufficient_data
    expected    decimal(18,2),
    actual      decimal(18,2),
    difference  decimal(18,2),      -- actual - expected
    detail      varchar,            -- what was compared, or the failing column / value
    src_line integer, src_table integer, src_row integer, src_col integer
);

-- Files that could not be loaded, with a specific reason; they never block the rest of a batch.
create table if not exists raw.quarantine (
    source_path     varchar not null,
    sha256          varchar,
    size_bytes      bigint,
    reason_code     varchar not null,   -- unreadable_encoding | empty_file | not_a_disclosure | ...
    reason          varchar not null,
    batch_id        varchar not null,
    quarantined_at  timestamp not null
);

-- One row per ingest batch.
create table if not exists raw.load_batches (
    batch_id             varchar primary key,
    started_at           timestamp not null,
    finished_at          timestamp,
    files_seen           integer,
    documents_loaded     integer,
    documents_unchanged  integer,
    documents_quarantined integer,
    warnings             integer
);
