"""Public API schemas of the competitions list: every field here is public information."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field


class PublicCompetitionOut(Schema):
    name: str
    filing_no: str = Field(description="备案编号，如 JS-410202-2026-0001")
    organiser: str
    subject_area: str
    levels: list[str]
    starts_on: datetime.date
    ends_on: datetime.date
    places: str
    listed: bool = Field(description="在本周期公布名单上（false：备案已撤销或已到期）")
    status: str = Field(description="published, withdrawn or expired")
    status_label: str


class PublicCompetitionLookupOut(Schema):
    query: str
    on_list: bool = Field(description="是否在公布名单上：按编号查到已公布的备案，或按名称查到至少一项")
    answer: str = Field(description="给家长的一句话结论")
    hint: str = Field(description="不在名单上时如何核实、举报")
    results: list[PublicCompetitionOut]
