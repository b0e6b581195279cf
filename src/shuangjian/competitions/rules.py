"""Pure compliance rules for competition filings (RULES.md, Competitions).

Data in (a frozen ``CompetitionFacts``), a list of ``Violation`` out; no ORM, no I/O. The services refuse a
submission that breaks any of them, naming each rule; the form shows the same messages against the fields.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.rules import Violation

# RULES.md Competitions: 教育部《面向中小学生的全国性竞赛活动管理办法》(教监管〔2022〕…; the Zhengzhou seed applies it
# to local competitions): only listed competitions with a filing number are legal; no fee is charged to pupils;
# certificates must state they are not a basis for school admission.
BASIS_MEASURES = gettext_lazy("教育部《面向中小学生的全国性竞赛活动管理办法》；郑州市竞赛活动管理规定")
# Nanchang seed: institutions may not run level exams or competitions without filing.
BASIS_FILING = gettext_lazy("南昌市：校外培训机构未经备案不得举办等级考试和竞赛活动")

FEE_ALLOWED_FEN = 0  # 管理办法: 不得向学生收取任何费用 — "no fee" is a rule, not a local number


def certificate_statements() -> list[str]:
    """The accepted phrasings of "not a basis for admission" (setting COMPETITIONS_CERTIFICATE_STATEMENTS)."""
    return [str(s) for s in settings.COMPETITIONS_CERTIFICATE_STATEMENTS if str(s).strip()]


# Whitespace and punctuation do not change what a sentence says: "不作为 招生、入学依据" still states it.
_NOISE = re.compile(r"[\s\u3000，。、；：！？,.;:!?“”\"'‘’（）()《》【】\[\]—\-·…]+")


def _plain(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


def states_not_admission_basis(certificate_text: str, statements: Iterable[str]) -> bool:
    """Whether the certificate text contains one of the accepted statements (punctuation and spacing aside)."""
    plain = _plain(certificate_text)
    return any(_plain(s) and _plain(s) in plain for s in statements)


@dataclass(frozen=True)
class CompetitionFacts:
    name: str
    fee_fen: int
    certificate_text: str
    levels: tuple[str, ...]
    starts_on: datetime.date
    ends_on: datetime.date


def check_fee(facts: CompetitionFacts) -> list[Violation]:
    if facts.fee_fen == FEE_ALLOWED_FEN:
        return []
    return [
        Violation(
            "competition.fee_charged",
            _("面向中小学生的竞赛活动不得收取任何费用（本申报填写报名费 %(yuan)s 元）。")
            % {"yuan": f"{facts.fee_fen / 100:.2f}"},
            str(BASIS_MEASURES),
            "fee_fen",
        )
    ]


def check_certificate(facts: CompetitionFacts, statements: Iterable[str] | None = None) -> list[Violation]:
    accepted = list(certificate_statements() if statements is None else statements)
    if states_not_admission_basis(facts.certificate_text, accepted):
        return []
    example = accepted[0] if accepted else ""
    return [
        Violation(
            "competition.certificate_admission_statement_missing",
            _("证书文字须注明竞赛结果不作为招生入学依据（如“%(example)s”）。") % {"example": example},
            str(BASIS_MEASURES),
            "certificate_text",
        )
    ]


def check_shape(facts: CompetitionFacts) -> list[Violation]:
    found: list[Violation] = []
    if facts.ends_on < facts.starts_on:
        found.append(Violation("competition.ends_before_start", _("结束日期不得早于开始日期。"), "", "ends_on"))
    if not facts.levels:
        found.append(Violation("competition.levels_missing", _("请选择参赛年级。"), "", "levels"))
    return found


def check_competition(facts: CompetitionFacts, statements: Iterable[str] | None = None) -> list[Violation]:
    """Every rule a filing must meet before it may be submitted or approved."""
    return check_shape(facts) + check_fee(facts) + check_certificate(facts, statements)


def cycle_of(starts_on: datetime.date) -> int:
    """The filing cycle a competition belongs to: the calendar year it starts in."""
    return starts_on.year


def normalise_filing_no(text: str) -> str:
    """A filing number as typed off a flyer (full-width, lower case, spaces, dashes) in the stored key's form."""
    return re.sub(r"[\s\-—_·]+", "", unicodedata.normalize("NFKC", text)).upper()
