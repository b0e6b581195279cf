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


# --- announcements, policies, news, bulletins ------------------------------------------------------------------


class ArticleAttachmentOut(Schema):
    name: str
    kind: str = Field(description="pdf, docx, xlsx, jpeg or png (checked by the file's content).")
    size: int = Field(description="Bytes.")
    sha256: str
    url: str


class ArticleSummaryOut(Schema):
    id: int
    kind: str = Field(description="notice 公告通知, policy 政策法规, news 双减进行时, bulletin 工作简报.")
    kind_label: str
    title: str
    summary: str
    source: str
    document_number: str
    division_code: str
    division_name: str
    published_on: datetime.date
    url: str


class ArticleOut(ArticleSummaryOut):
    body_html: str = Field(description="Sanitised HTML: formatting tags and http(s)/mailto links only.")
    attachments: list[ArticleAttachmentOut]


class ArticleListOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ArticleSummaryOut]
