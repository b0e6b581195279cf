"""Schemas of the oversight API: supervision orders, county evaluation and published bulletins."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class SupervisionOrderOut(Schema):
    id: int
    number: str = Field(description="督办单文号，如 督办〔2026〕3号")
    kind: str = Field(description="dispatch 定向调度, listed 挂牌督办")
    status: str = Field(description="issued 待回复, replied 已回复, accepted 已办结, returned 已退回")
    issuer_code: str = Field(description="督办单位区划代码（市或省）")
    division_code: str = Field(description="被督办县区代码")
    title: str
    requirements: str
    deadline: datetime.date
    issued_on: datetime.date
    institution_id: int | None = None
    inspection_id: int | None = None
    notice_id: int | None = None
    reply_text: str
    has_reply_file: bool = Field(description="是否附有佐证材料")
    replied_at: datetime.datetime | None = None
    decision_note: str
    decided_at: datetime.datetime | None = None
    overdue: bool = Field(description="今日是否已逾期未办结")
    overdue_since: datetime.date | None = None
    escalations: int
    actions: list[str] = Field(description="当前用户可执行的操作：reply 回复, accept 审核办结, return 退回重办")


class SupervisionOrderPage(Schema):
    count: int
    page: int
    pages: int
    results: list[SupervisionOrderOut]


class SupervisionOrderDecisionIn(Schema):
    action: str = Field(description="accept 审核办结, return 退回重办（须写明理由）")
    note: str = ""


class EvaluationPeriodOut(Schema):
    id: int
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    computed_at: datetime.datetime | None = None


class EvaluationIndicatorOut(Schema):
    key: str
    label: str
    numerator_label: str
    denominator_label: str
    weight: float
    threshold: float = Field(description="达标线（%）")
    method: str = Field(description="计算方法")


class EvaluationScoreOut(Schema):
    indicator: str
    numerator: int
    denominator: int
    percent: float | None = Field(description="分子/分母 的百分比；分母为 0 时为 null，不计入综合得分")
    below_threshold: bool


class EvaluationCountyOut(Schema):
    rank: int
    division_code: str
    name: str
    total: float = Field(description="综合得分：各指标百分比按权重加权平均")
    scores: list[EvaluationScoreOut]


class EvaluationTableOut(Schema):
    period: EvaluationPeriodOut
    indicators: list[EvaluationIndicatorOut]
    counties: list[EvaluationCountyOut]


class BulletinOut(Schema):
    id: int
    series: str = Field(description="briefing 工作简报, express 信息快报")
    number: str = Field(description="期号，如 〔2026〕第12期")
    title: str
    issuer_name: str
    division_code: str
    period_start: datetime.date
    period_end: datetime.date
    published_on: datetime.date | None = None
    revision: int


class BulletinPage(Schema):
    count: int
    page: int
    pages: int
    results: list[BulletinOut]


class BulletinFigureOut(Schema):
    name: str = Field(description="登记的统计查询")
    params: dict[str, str] = Field(description="查询参数（区划、统计期等）")
    result: Any = Field(description="发布时的查询结果")


class BulletinChartSeriesOut(Schema):
    name: str
    data: list[int]


class BulletinChartOut(Schema):
    number: int = Field(description="图号（图1、图2 …）")
    key: str
    section: str
    title: str
    kind: str = Field(description="bar 柱状图, line 折线图")
    categories: list[str]
    series: list[BulletinChartSeriesOut]


class BulletinCaseOut(Schema):
    name: str = Field(description="机构名称；个人仅显示姓氏加星号")
    violation: str
    summary: str
    measures: str
    basis: str
    decision_no: str
    decided_on: str
    published_on: str


class BulletinDetailOut(BulletinOut):
    overview_text: str
    counties_text: str
    cases_text: str
    typical_cases: list[BulletinCaseOut]
    charts: list[BulletinChartOut]
    figures: list[BulletinFigureOut]
