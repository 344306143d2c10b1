"""The planted problems of the illustrative district: one function per department that carries them.

Each function reshapes a clean ``Design`` before its actuals and reports are settled, and records
every finding it plants (``Design.plant``) with a note saying what was done. ``PLANTED`` maps the
department id to its function; every other department stays clean. Notes are in Chinese: they go to
``params/DEMO.md`` beside the data.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ..core.numbers import fmt, fmt_pct, round_half_up
from .design import (
    PROJECT_LINE,
    Design,
    ProjectBudget,
    Row,
    catalogue,
    execution_score,
    expected_score,
    money,
    percent,
)


def _pct(numerator: int, denominator: int) -> str:
    return fmt_pct(Fraction(numerator, denominator))


def _monthly_shares(d: Design) -> tuple[str, str]:
    total = sum(d.monthly)
    return _pct(d.monthly[11], total), _pct(sum(d.monthly[9:]), total)


def education(d: Design) -> None:
    """Year-end spending spike, and a self-evaluation done before the year was over."""
    d.month_profile = (4, 6, 7, 7, 7, 8, 7, 7, 8, 10, 14, 60)
    y = d.year
    d.period, d.report_date = (f"{y}-12-01", f"{y}-12-20"), f"{y}-12-28"
    d.plant("budget.year_end_spike", lambda d: "月度支付表 12 月支付占全年 {}，第四季度占 {}（阈值 25%、40%）".format(
        *_monthly_shares(d)))
    d.plant("portfolio.outlier_december_share", lambda d: f"12 月支付占比 {_monthly_shares(d)[0]}，远高于全区中位数")
    d.plant("portfolio.outlier_q4_share", lambda d: f"第四季度支付占比 {_monthly_shares(d)[1]}，远高于全区中位数")
    d.plant("timeline.period_before_year_end", f"评价期间 {y}-12-01 至 {y}-12-20，在年度结束之前")
    d.plant("timeline.report_before_year_end", f"报告日期 {y}-12-28，在年度结束之前")


def health(d: Design) -> None:
    """Rates computed with the wrong denominators, a transposed rate, and a payment missing from the
    monthly table."""
    d.report_adjustment = True

    def misreport(d: Design) -> None:
        initial, adjusted, executed = d.totals()
        d.reported["execution_rate"] = percent(executed, initial)  # ÷ 年初预算数 instead of 全年预算数
        d.reported["adjustment_rate"] = percent(adjusted - initial, adjusted)  # ÷ 全年预算数 instead of 年初
        rate = d.reported["line_execution_rates"][PROJECT_LINE]
        text = f"{rate:.2f}"
        swapped = Decimal(text[:-2] + text[-1] + text[-2])
        d.reported["line_execution_rates"][PROJECT_LINE] = swapped if swapped != rate else rate + Decimal("0.1")
        cut = round(d.monthly[11] * d.rng.uniform(0.15, 0.3))
        d.monthly[11] -= cut
        d.facts.update(cut=cut, rate=rate)

    d.after.append(misreport)
    d.plant("budget.execution_rate_mismatch", lambda d: "报告的预算执行率 {}% 用全年执行数 ÷ 年初预算数算得（应除以全年预算数，{}）".format(
        d.reported["execution_rate"], _pct(d.totals()[2], d.totals()[1])))
    d.plant("budget.line_rate_mismatch", lambda d: "专项预算项目执行率印为 {}%，两位小数颠倒（应为 {}%）".format(
        d.reported["line_execution_rates"][PROJECT_LINE], d.facts["rate"]))
    d.plant("budget.adjustment_rate_mismatch", lambda d: "报告的预算调整率 {}% 用 (全年 − 年初) ÷ 全年预算数算得（应除以年初预算数）".format(
        d.reported["adjustment_rate"]))
    d.plant("budget.monthly_do_not_add_up", lambda d: f"月度支付表漏记 12 月的一笔支付 {money(d.facts['cut'])} 万元")


def civil_affairs(d: Design) -> None:
    """Low execution: two projects barely started, the project line far behind."""
    pa = sum(p.adjusted for p in d.projects)
    basic = round(pa / d.rng.uniform(2.6, 3.2))
    d.basic = ProjectBudget(d.basic.name, round(basic / 1.04), basic, basic - round(basic * 0.004))
    for i, p in enumerate(d.projects):
        rate = 0 if i == 0 else 0.35 if i == 1 else d.rng.uniform(0.66, 0.85)
        p.executed = round(p.adjusted * rate)
    y = d.year + 1
    d.period, d.report_date = (f"{y}-03-01", f"{y}-04-30"), f"{y}-04-15"

    def rate(d):
        return _pct(d.totals()[2], d.totals()[1])

    d.plant("budget.low_execution", lambda d: f"预算执行率 {rate(d)}，低于 90%")
    d.plant("budget.line_low_execution", lambda d: f"专项预算项目执行率 {_pct(*d.project_line()[:0:-1])}")
    d.plant("budget.project_low_execution", lambda d: f"“{d.projects[0].name}”未启动（0%），“{d.projects[1].name}”执行 35%")
    d.plant("portfolio.outlier_execution_rate", lambda d: f"预算执行率 {rate(d)}，远低于全区中位数")
    d.plant("timeline.report_before_period_end", f"评价期间至 {y}-04-30，报告却在 {y}-04-15 出具")


def transport(d: Design) -> None:
    """Over-execution through one project, a project missing from the table, every indicator in full."""
    d.all_full = True
    big = max(d.projects, key=lambda p: p.adjusted)
    others = [p for p in d.projects if p is not big]
    for p in others:
        p.executed = round(p.adjusted * d.rng.uniform(0.985, 1.0))
    _, adjusted, _ = d.totals()
    wanted = round(adjusted * d.rng.uniform(1.003, 1.007))
    big.executed = wanted - d.basic.executed - sum(p.executed for p in others)
    dropped = min(others, key=lambda p: p.adjusted)
    d.listed = [p for p in d.projects if p is not dropped]
    d.plant("budget.over_execution", lambda d: f"全年执行数超过全年预算数，预算执行率 {_pct(*d.totals()[:0:-1])}")
    d.plant("budget.line_over_execution", lambda d: f"“{big.name}”超预算支出（{_pct(big.executed, big.adjusted)}），专项预算项目执行率 "
            + _pct(*d.project_line()[:0:-1]))
    d.plant("budget.projects_do_not_add_up", f"项目明细表漏列“{dropped.name}”，合计与专项预算项目不符")
    d.plant("budget.project_count_mismatch", lambda d: f"报告称 {len(d.projects)} 个项目，明细表只列 {len(d.listed)} 个")
    d.plant("portfolio.all_full_score", "全部绩效指标恰好完成，均得满分")


def housing(d: Design) -> None:
    """A large mid-year adjustment concentrated in three projects; a reversed period; a late report."""
    rng = d.rng
    small = d.projects[:5]
    s = sum(p.adjusted for p in small)
    bigs = [ProjectBudget("城市更新片区综合整治工程（年中追加）", 0, 0, 0),
            ProjectBudget("老旧小区改造配套基础设施工程", 0, 0, 0),
            ProjectBudget("保障性租赁住房项目收购资金", 0, 0, 0)]
    for p, share in zip(bigs, (1.2, 1.9, 1.9), strict=True):
        p.adjusted = round(s * share * rng.uniform(0.95, 1.05))
        p.initial = 0 if p is bigs[0] else round(p.adjusted / 1.5)
        p.executed = round(p.adjusted * rng.uniform(0.96, 0.995))
    d.projects = bigs + small
    basic = round(s * rng.uniform(2.0, 3.0))
    d.basic = ProjectBudget(d.basic.name, round(basic / 1.03), basic, basic - round(basic * 0.005))
    y = d.year + 1
    d.period, d.report_date = (f"{y}-04-30", f"{y}-04-01"), f"{y + 1}-01-15"

    def adjustment(d):
        initial, adjusted, _ = d.totals()
        return _pct(adjusted - initial, initial)

    d.plant("budget.high_adjustment", lambda d: f"年中追加 1 个项目、追加 2 个项目各 50%，预算调整率 {adjustment(d)}")
    d.plant("budget.project_concentration", lambda d: "预算最多的 3 个项目占项目预算的 " + _pct(
        sum(p.adjusted for p in bigs), sum(p.adjusted for p in d.projects)))
    d.plant("timeline.period_reversed", f"评价期间写成 {y}-04-30 至 {y}-04-01（起止颠倒）")
    d.plant("timeline.report_late", f"报告日期 {y + 1}-01-15，晚于 {y} 年")
    d.plant("portfolio.outlier_adjustment_rate", lambda d: f"预算调整率 {adjustment(d)}，远高于全区中位数")
    d.plant("portfolio.copied_indicators", "示例区城市管理局照抄了本部门的全部绩效指标")


def justice(d: Design) -> None:
    """Indicator wording problems: a self-contradicting and a reversed direction, a vague target, a
    coefficient outside its band, and a section number used twice."""
    aid = d.row("法律援助案件办结率")
    aid.direction, aid.statement, aid.fixed = "<=", "法律援助案件办结率不低于 95%", True
    aid.actual = (aid.target * Decimal(repr(d.rng.uniform(1.01, 1.04)))).quantize(Decimal("0.1"))
    errors = d.row("行政执法案件差错率")
    errors.statement = "行政执法案件差错率低于达到 2%及以上"
    d.rows.append(Row(2, "法治宣传教育", "qualitative", "进一步提升全民法治意识", None, "效益",
                      actual="开展多种形式宣传", level="达成", fixed=True))
    campaign = d.row("普法宣传活动")
    campaign.actual, campaign.level, campaign.coefficient, campaign.fixed = "开展 11 场", "部分达成", Decimal(90), True
    d.goals[2]["number"] = "（二）"
    d.plant("indicator.direction_contradiction", "“行政执法案件差错率”表述为“低于达到 2%及以上”")
    d.plant("indicator.direction_mismatch", "“法律援助案件办结率”表述为“不低于 95%”，指标性质却填为 <=")
    d.plant("indicator.vague_target", "“法治宣传教育”的指标值为“进一步提升全民法治意识”，没有数值")
    d.plant("indicator.coefficient_outside_band", "“普法宣传活动”评为部分达成（60%–80%），得分系数却填 90%")
    d.plant("report.duplicate_section_number", "第三个绩效目标的序号也写成“（二）”")


def statistics(d: Design) -> None:
    """Percentages on a speed, a count and an attribute; an overshoot; weights adding up to 88; a total
    of 84.7 rounded up to 85 to reach 优秀."""
    d.scheme, d.explicit = "seed-85-75-60", True
    d.rows[2:2] = [Row(0, "统计数据报送时效", ">=", Decimal(95), "%", "产出"),
                   Row(1, "统计调查工作量", ">=", Decimal(100), "%", "产出")]
    d.rows.append(Row(2, "统计数据准确性", ">=", Decimal(98), "%", "效益"))
    d.rows.sort(key=lambda r: r.goal)
    release = d.row("统计信息发布")
    release.actual, release.fixed = Decimal(d.rng.randint(34, 38)), True
    satisfaction = next(r for r in d.rows if r.tier == "满意度")
    d.weight_changes = {satisfaction.name: -2}
    d.target_total = Fraction(d.rng.randint(8460, 8485), 100)
    d.score_places = 0

    def round_up(d: Design) -> None:
        d.reported["score"], d.reported["grade"] = Decimal(85), "优秀"

    d.after.append(round_up)
    d.plant("indicator.percent_on_speed", "“统计数据报送时效”以 95% 衡量速度")
    d.plant("indicator.percent_on_count", "“统计调查工作量”以 100% 衡量数量")
    d.plant("indicator.percent_on_attribute", "“统计数据准确性”以 98% 衡量属性")
    d.plant("indicator.overshoot", lambda d: f"“统计信息发布”完成 {release.actual} 期，是指标值 24 期的 "
            + _pct(int(release.actual), 24))
    d.plant("weights.sum_mismatch", f"“{satisfaction.name}”分值填为 8 分，各指标合计 88 分")
    d.plant("grade.mismatch", lambda d: f"计算得分 {fmt(expected_score(d)[0])}（良好），自评得分四舍五入为 85 分并评为优秀")


def culture_tourism(d: Design) -> None:
    """Row scores that contradict their rule (a shortfall scored in full), a coefficient written as
    100%, the total that follows, and a grade label the scheme does not know."""
    d.explicit, d.row_reports = True, True
    project = d.row("文化惠民项目完成率")
    readers = d.row("公共图书馆年接待读者")
    project.fixed = readers.fixed = True
    readers.actual = (readers.target * Decimal("0.95")).quantize(Decimal("0.1"))

    def shortfall(d: Design) -> None:  # lose 1.5 points on this row, whatever its weight
        project.actual = (Decimal(100) * (1 - Decimal("1.5") / project.weight)).quantize(Decimal("0.01"))

    def overclaim(d: Design) -> None:
        project.reported_score = Decimal(project.weight)
        readers.reported_coefficient = Decimal(100)
        claimed = execution_score(d) + sum(Fraction(r.reported_score) for r in d.rows if r.reported_score is not None)
        d.reported["score"], d.reported["grade"] = round_half_up(claimed, 2), "甲等"

    d.before_losses.append(shortfall)
    d.after.append(overclaim)
    d.plant("indicator.reported_score_mismatch",
            lambda d: f"“文化惠民项目完成率”完成 {project.actual}%，自评却得满分 {project.weight} 分")
    d.plant("indicator.reported_coefficient_mismatch",
            lambda d: f"“公共图书馆年接待读者”完成 {readers.actual} 万人次（指标值 30），得分系数却写 100%")
    d.plant("score.mismatch", lambda d: "自评得分 {} 由各行自评分加总，比计算得分 {} 高约 1.5 分".format(
        d.reported["score"], fmt(expected_score(d)[0])))
    d.plant("grade.unknown", "评价等级写“甲等”，不是 mof-2020 方案的等级（优/良/中/差）及其同义写法")


def ecology_environment(d: Design) -> None:
    """A zero budget (the branch is funded by the city), two indicators without actuals, one of them
    scored anyway; its project tables, with funds, roll up into a project line of none."""
    d.basic = ProjectBudget(d.basic.name, 0, 0, 0)
    d.filed = d.projects  # the branch still files tables for the city-funded projects it runs (demo/projects.py)
    d.projects, d.side_tables = [], False
    d.explicit = True
    petitions, public = d.row("环境信访办结率"), d.row("公众生态环境满意度")
    petitions.missing = public.missing = True

    def claim(d: Design) -> None:
        petitions.reported_score = Decimal(petitions.weight)
        low, high = expected_score(d)
        d.reported["score"] = round_half_up(low + (high - low) * Fraction(7, 10), 1)
        grade = d.scheme_rules().grade_for(d.reported["score"])
        d.reported["grade"] = next(g.synonyms[0] for g in d.scheme_rules().grades if g.label == grade)

    d.after.append(claim)
    d.plant("budget.no_adjusted_budget", "预算由市级部门统一编列，区级预算表各项均填 0")
    d.plant("indicator.missing_actual", "“环境信访办结率”“公众生态环境满意度”未填完成值")
    d.plant("indicator.reported_without_actual", "“环境信访办结率”未填完成值却自评满分")
    d.plant("score.unverifiable", lambda d: "自评得分 {} 落在数据所能支持的区间 [{}, {}] 内，无法核实".format(
        d.reported["score"], *(fmt(x) for x in expected_score(d))))
    d.plant("grade.synonym", lambda d: f"评价等级写“{d.reported['grade']}”，即方案等级的同义写法")


def urban_management(d: Design) -> None:
    """The housing bureau's indicator table copied wholesale, two actuals missing, and a self-score
    above anything the data allow."""
    housing = next(s for s in catalogue()["departments"] if s["id"] == "demo-housing-bureau")
    d.goals = [{"name": g["name"], "objective": g["objective"], "number": n}
               for g, n in zip(housing["goals"], ("（一）", "（二）", "（三）"), strict=True)]
    d.rows = [Row(gi, name, direction, Decimal(str(target)), unit, tier)
              for gi, goal in enumerate(housing["goals"]) for name, direction, target, unit, tier in goal["indicators"]]
    d.explicit = True
    for name in ("改造惠及居民", "改造小区居民满意度"):
        d.row(name).missing = True
    d.max_loss_share = 0.45
    d.target_total = Fraction(d.rng.randint(8500, 8700), 100)

    def claim(d: Design) -> None:
        d.reported["score"] = round_half_up(expected_score(d)[1] + Fraction(21, 2), 1)
        d.reported["grade"] = "优"

    d.after.append(claim)
    d.plant("indicator.missing_actual", "“改造惠及居民”“改造小区居民满意度”未填完成值")
    d.plant("score.outside_interval", lambda d: "自评得分 {} 高于数据所能支持的最高分 {}".format(
        d.reported["score"], fmt(expected_score(d)[1])))
    d.plant("grade.outside_interval", "评为“优”，而得分区间只能对应“中”或“良”")
    d.plant("portfolio.outlier_score_inflation", lambda d: "自评得分比最高可能得分高 {} 分".format(
        fmt(Fraction(d.reported["score"]) - expected_score(d)[1])))
    d.plant("portfolio.copied_indicators", "绩效指标与示例区住房和城乡建设局完全相同")


def market_regulation(d: Design) -> None:
    """A total of about 72.8 (一般) reported as 84 and graded 优秀."""
    d.scheme, d.explicit = "seed-85-75-60", True
    d.max_loss_share = 0.45
    d.target_total = Fraction(d.rng.randint(7250, 7320), 100)

    def claim(d: Design) -> None:
        d.reported["score"], d.reported["grade"] = Decimal(84), "优秀"

    d.after.append(claim)
    d.plant("score.mismatch", lambda d: f"自评 84 分，按规则计算 {fmt(expected_score(d)[0])} 分，相差 10 分以上")
    d.plant("grade.mismatch", "计算得分对应“一般”，报告写“优秀”")
    d.plant("grade.inconsistent_with_reported_score", "自评 84 分按方案应为“良好”，报告却写“优秀”")
    d.plant("portfolio.outlier_score_inflation", lambda d: f"自评得分比计算得分高 {fmt(84 - expected_score(d)[0])} 分")


PLANTED = {
    "demo-education-bureau": education,
    "demo-health-bureau": health,
    "demo-civil-affairs-bureau": civil_affairs,
    "demo-transport-bureau": transport,
    "demo-housing-bureau": housing,
    "demo-justice-bureau": justice,
    "demo-statistics-bureau": statistics,
    "demo-culture-tourism-bureau": culture_tourism,
    "demo-ecology-environment-bureau": ecology_environment,
    "demo-urban-management-bureau": urban_management,
    "demo-market-regulation-bureau": market_regulation,
}
# Departments that stay clean but use the seed-85-75-60 scheme (a few of the district's departments).
SEED_SCHEME = ("demo-archives-bureau", "demo-audit-bureau")

