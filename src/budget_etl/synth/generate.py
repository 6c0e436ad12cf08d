"""Random but realistic facts with continuity: one office's true state evolves year by year, and each
year's document states its amounts and its changes on the previous year's state.

Every office has its own random stream (``seed:office``), so an office's documents do not depend on how many
other offices are generated. The year before the first requested year is generated too (never rendered), so
that the first document's stated changes are differences to an invented prior. Planted slips and the
document's formatting choices use streams of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from budget_etl.synth import pools
from budget_etl.synth.model import (
    AssetItem,
    Doc,
    Duty,
    Indicator,
    ProcurementRow,
    Project,
    Slip,
    ThreePublic,
)
from budget_etl.synth.names import Office

CENT = Decimal("0.01")
ZERO = Decimal(0)
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CATEGORY_KEYS = ["overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception"]
ASSET_CLASSES = [("房屋", "平方米"), ("车辆", "台、辆"), ("单价在20元以上设备", None), ("其他固定资产", None)]


def money(x: float, step: int | None = None) -> Decimal:
    """A float to an exact amount: rounded to ``step`` yuan when given, else to the fen."""
    if step:
        return Decimal(max(0, round(x / step)) * step)
    return Decimal(f"{max(0.0, x):.2f}")


@dataclass
class ProjectState:
    code: str
    name: str  # may hold {year}
    kind: str
    budget: Decimal
    other_share: float | None
    spend_plan: tuple[int, int, int, int]
    rows: list[tuple]  # (level1, level2, level3, description, target kind, basis, parameter)


@dataclass
class State:
    """The true facts of an office in one year."""

    year: int
    personnel: Decimal
    op_items: dict[str, Decimal]
    three_public: list[Decimal]  # in the order of pools.THREE_PUBLIC
    projects: list[ProjectState]
    duties: list[tuple[int, tuple, bool, bool]]  # pool index, grading, names label, goal first
    assets: dict[str, tuple[Decimal | None, Decimal | None]]  # as of the end of the previous year
    fund: Decimal = ZERO
    special: Decimal = ZERO
    procurement: list[ProcurementRow] = field(default_factory=list)

    @property
    def public_operating(self) -> Decimal:
        return sum(self.op_items.values(), ZERO)

    @property
    def basic(self) -> Decimal:
        return self.personnel + self.public_operating

    @property
    def project_total(self) -> Decimal:
        return sum((p.budget for p in self.projects), ZERO)

    @property
    def total(self) -> Decimal:
        return self.basic + self.project_total


class OfficeHistory:
    """Generates the states of one office for consecutive years."""

    def __init__(self, office: Office, seed: int):
        self.office = office
        self.rng = random.Random(f"{seed}:{office.key}")
        self.local_no = int(office.unit_code[3:])
        self.serial = 0
        self.seed = seed
        self.has_car = self.rng.random() > 0.05

    # --- identifiers ---------------------------------------------------------------------------------
    def _project_code(self, segment: str) -> str:
        """Unique per district prefix: a scrambled bijection of (office, serial) to four base-36 chars."""
        self.serial += 1
        k = (self.local_no * 1000 + self.serial) * 1000003 + self.seed * 7919
        k %= 36**4
        suffix = "".join(_B36[(k // 36**i) % 36] for i in (3, 2, 1, 0))
        return f"{self.office.code_prefix}-{segment}-{self.rng.choice(['YBN', 'JBN'])}-{suffix}"

    # --- first state -----------------------------------------------------------------------------------
    def first(self, year: int) -> State:
        r = self.rng
        op_items = {}
        mandatory = {"办公及印刷费", "邮电费", "差旅费", "公务接待费"}
        for name, low, high, style in pools.OPERATING_ITEMS:
            if name in mandatory or r.random() < 0.5:
                op_items[name] = self._op_amount(r.uniform(low, high), style) if r.random() > 0.12 else ZERO
        three_public = [ZERO, ZERO, money(r.uniform(5000, 30000), 100) if self.has_car else ZERO,
                        money(r.uniform(200, 3000))]
        op_items["公务接待费"] = three_public[3]
        count = round(r.triangular(1, 15, 8))
        projects = [self._new_project(spec) for spec in r.sample(pools.PROJECTS, count)]
        duty_count = r.randint(3, 15)
        duties = [self._new_duty(i) for i in sorted(r.sample(range(len(pools.DUTIES)), duty_count))]
        house = ((money(r.uniform(200, 2000)), money(r.uniform(5e5, 5e6))) if r.random() < 0.4
                 else (None, None))
        cars = (Decimal(r.randint(1, 3)), money(r.uniform(8e4, 3e5))) if self.has_car else (None, None)
        equipment = ((Decimal(r.randint(2, 30)), money(r.uniform(2e4, 2e5))) if r.random() < 0.3
                     else (None, None))
        assets = {"房屋": house, "车辆": cars, "单价在20元以上设备": equipment,
                  "其他固定资产": (None, money(r.uniform(5e4, 8e5)))}
        state = State(year, money(r.uniform(6e5, 3e6)), op_items, three_public, projects, duties, assets)
        self._year_extras(state)
        return state

    def _op_amount(self, x: float, style: str) -> Decimal:
        return money(x, {"yuan": 1, "round": 10}.get(style))

    def _new_duty(self, index: int) -> tuple:
        r = self.rng
        return index, r.choice(pools.GRADINGS), r.random() < 0.4, r.random() < 0.15

    def _new_project(self, spec: tuple) -> ProjectState:
        r = self.rng
        name, segment, kind, low, high = spec
        budget = money(r.uniform(low, high), 100 if high > 10000 else 10)
        other_share = r.uniform(0.1, 0.5) if r.random() < 0.1 else None
        plan = r.choice(pools.SPEND_PLANS)
        count = r.randint(3, 6)
        groups = {level1: r.sample(rows, len(rows)) for level1, rows in pools.INDICATORS.items()}
        chosen = [groups["产出指标"].pop(), groups["效果指标"].pop(), groups["满意度指标"].pop()]
        extra = groups["产出指标"] * 2 + groups["效果指标"] + groups["满意度指标"]
        r.shuffle(extra)
        for row in extra:
            if len(chosen) < count and row not in chosen:
                chosen.append(row)
        order = {row: i for level1 in pools.INDICATORS for i, row in enumerate(pools.INDICATORS[level1])}
        levels = list(pools.INDICATORS)
        rows = []
        for row in sorted(chosen, key=lambda row: (self._level1_of(row, levels), order[row])):
            level1 = self._level1_of(row, levels)
            rows.append((levels[level1], *row[:3], row[3], row[4], self._target_parameter(row[3])))
        return ProjectState(self._project_code(segment), name, kind, budget, other_share, plan, rows)

    @staticmethod
    def _level1_of(row: tuple, levels: list[str]) -> int:
        return next(i for i, level1 in enumerate(levels) if row in pools.INDICATORS[level1])

    def _target_parameter(self, kind: str):
        r = self.rng
        return {
            "count_个": r.randint(3, 12), "count_人": r.choice([50, 80, 100, 120, 200, 300, 500, 1000]),
            "count_次": r.randint(2, 12), "cost": r.choice(["元", "万元"]),
            "qual": r.choice(pools.QUALITATIVE_TARGETS), "pct100": r.choice(["", "="]), "months": 12,
        }.get(kind, r.choice(["≥", "≥", "≥", ">="]))

    # --- next state --------------------------------------------------------------------------------------
    def next(self, prev: State) -> State:
        r = self.rng
        personnel = money(float(prev.personnel) * (1 + r.uniform(-0.02, 0.08)))
        styles = {name: (low, high, style) for name, low, high, style in pools.OPERATING_ITEMS}
        op_items = {}
        for name, amount in prev.op_items.items():
            if name not in ("公务接待费", "办公及印刷费", "邮电费", "差旅费") and r.random() < 0.04:
                continue  # an item dropped
            if amount and r.random() < 0.8:
                amount = self._op_amount(float(amount) * (1 + r.uniform(-0.1, 0.12)), styles[name][2])
            op_items[name] = amount
        if r.random() < 0.1:  # an item added
            name, low, high, style = r.choice(pools.OPERATING_ITEMS)
            if name not in op_items:
                op_items[name] = self._op_amount(r.uniform(low, high), style)
        op_items = {name: op_items[name] for name in styles if name in op_items}  # keep the catalogue order

        overseas, purchase, operation, reception = prev.three_public
        purchase = money(r.uniform(1e5, 2e5), 1000) if self.has_car and r.random() < 0.05 else ZERO
        if operation and r.random() < 0.5:
            operation = money(float(operation) * (1 + r.uniform(-0.15, 0.15)), 100)
        if r.random() < 0.7:
            reception = money(float(reception) * r.uniform(0.85, 1.15))
        three_public = [overseas, purchase, operation, reception]
        if "公务接待费" in op_items:
            op_items["公务接待费"] = reception

        projects = []
        for p in prev.projects:
            if r.random() < 0.12:
                continue  # the project ended
            if r.random() < 0.45:
                step = 100 if p.budget > 10000 else 10
                p = replace(p, budget=max(Decimal(step), money(float(p.budget) * r.uniform(0.85, 1.2), step)))
            projects.append(p)
        target = min(15, max(1, len(prev.projects) + r.randint(-2, 2)))
        names = {p.name for p in projects}
        for spec in r.sample(pools.PROJECTS, len(pools.PROJECTS)):
            if len(projects) >= target:
                break
            if spec[0] not in names:
                projects.append(self._new_project(spec))

        duties = list(prev.duties)
        if r.random() < 0.08 and len(duties) < 15:
            free = sorted(set(range(len(pools.DUTIES))) - {d[0] for d in duties})
            duties = sorted([*duties, self._new_duty(r.choice(free))])
        elif r.random() < 0.05 and len(duties) > 3:
            duties.pop(r.randrange(len(duties)))

        assets = dict(prev.assets)
        cars, car_value = assets["车辆"]
        if prev.three_public[1]:  # last year's purchase is in this year's balance
            assets["车辆"] = ((cars or ZERO) + 1, (car_value or ZERO) + prev.three_public[1])
        assets["其他固定资产"] = (None, money(float(assets["其他固定资产"][1]) * r.uniform(0.97, 1.1)))
        if assets["单价在20元以上设备"][1] is not None and r.random() < 0.3:
            qty, value = assets["单价在20元以上设备"]
            assets["单价在20元以上设备"] = (qty + 1, value + money(r.uniform(3e3, 2e4)))
        state = State(prev.year + 1, personnel, op_items, three_public, projects, duties, assets)
        self._year_extras(state)
        return state

    def _year_extras(self, state: State) -> None:
        """Revenue split and procurement rows: chosen afresh each year."""
        r = self.rng
        if r.random() < 0.08:
            state.fund = money(float(state.project_total) * r.uniform(0.05, 0.3), 100)
        if r.random() < 0.05:
            state.special = money(float(state.basic) * r.uniform(0.01, 0.05), 10)
        if r.random() < 0.15:
            for _ in range(r.randint(1, 3)):
                item, catalog, unit, low, high = r.choice(pools.PROCUREMENT_ITEMS)
                project = r.choice(state.projects)
                price = money(r.uniform(low, high), 10)
                quantity = max(1, min(r.randint(1, 10), int(project.budget // price)))
                if price <= project.budget:
                    state.procurement.append(ProcurementRow(
                        project.name.format(year=state.year), item, catalog, unit, quantity, price,
                        price * quantity))


# --- documents -------------------------------------------------------------------------------------------

def build_doc(office: Office, prev: State, cur: State, rng: random.Random) -> Doc:
    """The document of ``cur.year`` as the office would write it (no slips yet)."""
    year = cur.year
    percent = rng.choice(["百分比", "百分比", "%"])
    projects = [_project(p, year, percent) for p in cur.projects]
    other = sum((p.other or ZERO for p in projects), ZERO)
    total = cur.total
    revenue = {"total": total, "general_public_budget": total - cur.fund - cur.special - other,
               "government_fund": cur.fund, "fiscal_special_account": cur.special, "other": other}
    by_segment: dict[str, Decimal] = {}
    for p in projects:
        by_segment[p.segment] = by_segment.get(p.segment, ZERO) + p.budget
    segments = sorted(by_segment, key=lambda seg: -by_segment[seg])[:3]  # the main ones, largest first
    example_segment = rng.choice(segments)
    tp_items = []
    for category, amount, before in zip(pools.THREE_PUBLIC, cur.three_public, prev.three_public, strict=True):
        change = amount - before
        mood = "up" if change > 0 else "down" if change < 0 else "flat" if amount else "zero"
        tp_items.append(ThreePublic(category, amount, change, rng.choice(pools.REASONS[category][mood])))
    duties = []
    for index, grading, names_label, goal_first in cur.duties:
        name, resp, targets, goal, indicators, label = pools.DUTIES[index]
        duties.append(Duty(name, resp, targets, goal, indicators, label, grading, names_label, goal_first))
    up = cur.basic >= prev.basic
    movers = [label for label, now, before in (("人员经费", cur.personnel, prev.personnel),
                                               ("日常公用经费", cur.public_operating, prev.public_operating))
              if (now >= before) == up]
    parts, direction = "和".join(movers) or "人员经费", "增加" if up else "减少"
    return Doc(
        office=office, year=year, revenue=revenue, personnel=cur.personnel,
        public_operating=cur.public_operating, basic=cur.basic, project_total=cur.project_total, total=total,
        change_total=total - prev.total, change_basic=cur.basic - prev.basic,
        change_project=cur.project_total - prev.project_total,
        basic_reason=f"主要为{parts}支出{direction}", project_reason=_project_reason(prev, cur),
        segments=segments, example_segment=example_segment,
        example_amount=by_segment[example_segment],
        op_total=cur.public_operating, op_items=list(cur.op_items.items()),
        tp_total=sum(cur.three_public, ZERO),
        tp_change=sum(cur.three_public, ZERO) - sum(prev.three_public, ZERO),
        tp_items=tp_items, duties=duties,
        overall_goal=rng.choice(pools.OVERALL_GOALS).format(year=year, street=office.street),
        measures=pools.MEASURES[: rng.randint(2, 4)], projects=projects, procurement=cur.procurement,
        assets_total=sum((v for _, v in cur.assets.values() if v is not None), ZERO),
        assets=[AssetItem(label, unit, *cur.assets[label]) for label, unit in ASSET_CLASSES],
        glossary=pools.GLOSSARY[: rng.choice([7, 7, 7, 8, 9])],
    )


def _project_reason(prev: State, cur: State) -> str:
    before = {p.code: p for p in prev.projects}
    after = {p.code: p for p in cur.projects}
    deltas = [(abs(p.budget - (before[c].budget if c in before else ZERO)), p.name, "")
              for c, p in after.items()]
    deltas += [(p.budget, p.name, "结束") for c, p in before.items() if c not in after]
    if not deltas:
        return ""
    _, name, ended = max(deltas)
    return f"主要为{name.format(year=cur.year)}项目{ended or '支出'}"


def _project(p: ProjectState, year: int, percent: str) -> Project:
    name = p.name.format(year=year)
    other = money(float(p.budget) * p.other_share, 100 if p.budget > 10000 else 10) if p.other_share else None
    purpose, goal2 = (t.format(n=name) for t in pools.PURPOSES[p.kind])
    indicators = []
    for level1, level2, level3, description, kind, basis, parameter in p.rows:
        raw, op, value, unit = _target(kind, parameter, p.budget, percent)
        indicators.append(Indicator(level1, level2, level3, description.format(n=name), raw, op, value, unit,
                                    basis.format(n=name)))
    return Project(p.code, name, p.budget, p.budget - (other or ZERO), other, purpose, [purpose, goal2],
                   p.spend_plan, indicators)


_OPS = {"≥": ">=", ">=": ">=", "≤": "<=", "=": "=", "": "="}


def _target(kind: str, parameter, budget: Decimal, percent: str):
    """(target as written, operator, value, unit) of one indicator."""
    if kind.startswith("pct"):
        value = Decimal(kind[3:])
        return f"{parameter}{value}{percent}", _OPS[parameter], value, "%"
    if kind.startswith("count_"):
        unit = kind[6:]
        op = "=" if unit == "个" else "≥"
        return f"{op}{parameter}{unit}", _OPS[op], Decimal(parameter), unit
    if kind == "cost":
        value = budget / 10000 if parameter == "万元" else budget
        text = f"{value.normalize():f}"
        return f"≤{text}{parameter}", "<=", Decimal(text), parameter
    if kind == "months":
        return "≤12个月", "<=", Decimal(12), "个月"
    return parameter, None, None, None


# --- planted slips ---------------------------------------------------------------------------------------

def plant_slip(doc: Doc, rng: random.Random, has_previous_document: bool) -> None:
    """One official slip in the document, recorded in ``doc.slips``."""
    kinds = ["rounding_drift", "wrong_stated_change"] if has_previous_document else ["rounding_drift"]
    if rng.choice(kinds) == "rounding_drift":
        drift = rng.choice([CENT, -CENT])
        target = rng.choice(["operating_expense_total", "revenue_total", "asset_total"])
        if target == "operating_expense_total":
            correct, doc.op_total = doc.op_total, doc.op_total + drift
            doc.slips.append(Slip("identity.operating_expense_total", "rounding_drift",
                                  f"机关运行经费共计 states {doc.op_total}, its items sum to {correct}",
                                  doc.op_total, correct,
                                  ["relation.public_operating_equals_operating_expense_total"]))
        elif target == "revenue_total":
            correct = doc.revenue["total"]
            doc.revenue["total"] = correct + drift
            doc.slips.append(Slip("identity.revenue_total", "rounding_drift",
                                  f"预算收入 states {doc.revenue['total']}, its sources sum to {correct}",
                                  doc.revenue["total"], correct, ["relation.revenue_equals_expenditure"]))
        else:
            if any(a.value is None for a in doc.assets):
                drift = -CENT  # with empty classes only a total below its known classes is a detectable slip
            correct, doc.assets_total = doc.assets_total, doc.assets_total + drift
            doc.slips.append(Slip("identity.asset_total", "rounding_drift",
                                  f"资产总额 states {doc.assets_total}, its classes sum to {correct}",
                                  doc.assets_total, correct))
        return
    delta = Decimal(rng.choice([1, 10, 100, 1000])) * rng.randint(1, 9) * rng.choice([1, -1])
    target = rng.choice(["expenditure_total", "basic", "project", "three_public"])
    if target == "three_public":
        k = rng.randrange(4)
        item = doc.tp_items[k]
        if item.amount - item.change < delta:  # the prior it implies would be negative: err the other way
            delta = -delta
        correct, item.change = item.change, item.change + delta
        doc.slips.append(Slip(f"continuity.three_public.{_CATEGORY_KEYS[k]}", "wrong_stated_change",
                              f"{item.category} change stated {item.change}, "
                              f"last year's document gives {correct}",
                              item.change, correct, ["identity.three_public_change"]))
        return
    attr = {"expenditure_total": "change_total", "basic": "change_basic", "project": "change_project"}[target]
    correct = getattr(doc, attr)
    current = {"expenditure_total": doc.total, "basic": doc.basic, "project": doc.project_total}[target]
    if current - correct < delta:
        delta = -delta
    setattr(doc, attr, correct + delta)
    doc.slips.append(Slip(f"continuity.{target}", "wrong_stated_change",
                          f"change of {target} stated {correct + delta}, "
                          f"last year's document gives {correct}",
                          correct + delta, correct, ["relation.change_total"]))
