"""Public API schemas: every field here is public information; nothing private is declared."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field


class BlacklistEntryOut(Schema):
    reason: str
    legal_basis: str
    start: datetime.date
    end: datetime.date | None
    department: str


class PenaltyOut(Schema):
    decision_no: str = ""
    decided_on: datetime.date | None = None
    violation: str = ""
    penalty: str = ""


class StandingFactOut(Schema):
    code: str = Field(description="What holds: blacklisted, revoked, suspended, zombie, violations, … whitelisted.")
    label: str
    tone: str = Field(description="How serious: dark, danger, warning, secondary, info, success (good news).")


class PublicInstitutionOut(Schema):
    name: str
    uscc: str
    category: str
    category_label: str
    field_label: str
    subjects: list[str]
    status: str
    status_label: str
    licence_status: str
    licence_status_label: str
    licence_no: str
    licence_expires_on: datetime.date | None
    address: str
    division_code: str
    division_name: str
    phone: str
    training_format_label: str
    supervision_mode: str
    supervision_mode_label: str
    supervised: bool
    on_whitelist: bool
    on_blacklist: bool
    standing: list[StandingFactOut] = Field(description="The institution's status facts, worst first.")


class PublicInstitutionDetailOut(PublicInstitutionOut):
    whitelist_reasons: list[str]
    blacklist: list[BlacklistEntryOut]
    penalties: list[PenaltyOut]


class PublicSearchOut(Schema):
    query: str
    count: int = Field(description="How many institutions `results` lists (at most a page: 10 unless configured).")
    total: int | None = Field(
        description=(
            "How many institutions match in all, when the search counted them (up to 20, or a page if longer); null "
            "when it did not: more names than that contain the text, or more than a page start with it. An exact "
            "USCC or licence number match is the whole answer."
        )
    )
    more: bool = Field(
        description=(
            "True when more institutions match than `results` lists: refine the query. Results list names starting "
            "with the text first, then names containing it, each in name order; when `total` is null they are "
            "taken from the first matches found and are not necessarily the first in name order."
        )
    )
    results: list[PublicInstitutionOut]
