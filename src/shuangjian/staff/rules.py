"""Pure compliance rules for people who teach at training institutions.

Data in, a list of ``Violation`` out; no ORM. The staff services (and the class-group checks in the
courses app) build ``PersonFacts`` from their models and call these functions, so a form, the API and
the compliance-check endpoint answer the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.rules import Violation

SUBJECT = "subject"

# 意见 §13; 教育部等《关于加强校外培训机构从业人员管理的通知》: subject-type trainers hold a matching 教师资格证.
BASIS_TEACHER_CERTIFICATE = gettext_lazy(
    "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》第十三条；"
    "教育部等《关于加强校外培训机构从业人员管理的通知》：从事学科类培训的人员须具备相应教师资格"
)
# 教育部等《关于规范面向中小学生的非学科类校外培训的公告》(2022): relevant professional certificate.
BASIS_PROFESSIONAL_CERTIFICATE = gettext_lazy(
    "教育部等《关于规范面向中小学生的非学科类校外培训的公告》（2022年）：从事非学科类培训的人员须具备相应专业资质"
)
# 意见 §13: 严禁中小学在职教师有偿补课 / 在培训机构兼职; Xuchang seed: rosters cross-checked.
BASIS_IN_SERVICE = gettext_lazy(
    "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》第十三条：中小学在职教师不得到校外培训机构任职或有偿补课"
)
# 《校外培训行政处罚暂行办法》(教育部令第53号) 第九条: 限制从业.
BASIS_BLACKLIST = gettext_lazy("《校外培训行政处罚暂行办法》（教育部令第53号）第九条：限制从业")


@dataclass(frozen=True)
class CertificateFacts:
    """A certificate a person holds: kind "teacher" (教师资格证) or "professional", its subject or field."""

    kind: str
    subject_or_field: str
    number: str = ""


@dataclass(frozen=True)
class PersonFacts:
    name: str
    is_in_service_teacher: bool = False
    is_blacklisted: bool = False
    certificates: tuple[CertificateFacts, ...] = ()


def check_person_employable(person: PersonFacts) -> list[Violation]:
    """Whether the person may work at a training institution at all (in-service teachers, black list)."""
    found: list[Violation] = []
    if person.is_in_service_teacher:
        found.append(
            Violation(
                "staff.in_service_teacher",
                _("%(name)s 为中小学在职教师，不得在校外培训机构任职或授课。") % {"name": person.name},
                str(BASIS_IN_SERVICE),
                "trainers",
            )
        )
    if person.is_blacklisted:
        found.append(
            Violation(
                "staff.blacklisted",
                _("%(name)s 被列入从业黑名单（限制从业），不得从事校外培训。") % {"name": person.name},
                str(BASIS_BLACKLIST),
                "trainers",
            )
        )
    return found


def check_trainer_qualification(person: PersonFacts, category: str, subject: str, field: str) -> list[Violation]:
    """A subject-type trainer needs a teacher certificate for the subject; others a professional certificate."""
    if category == SUBJECT:
        if any(c.kind == "teacher" and c.subject_or_field == subject for c in person.certificates):
            return []
        return [
            Violation(
                "staff.no_matching_teacher_certificate",
                _("%(name)s 未取得与所授学科相应的教师资格证，不得从事学科类培训。") % {"name": person.name},
                str(BASIS_TEACHER_CERTIFICATE),
                "trainers",
            )
        ]
    if any(c.kind in ("professional", "teacher") and c.subject_or_field == field for c in person.certificates):
        return []
    return [
        Violation(
            "staff.no_professional_certificate",
            _("%(name)s 未取得与所授领域相应的专业资质证书。") % {"name": person.name},
            str(BASIS_PROFESSIONAL_CERTIFICATE),
            "trainers",
        )
    ]


def check_trainer(person: PersonFacts, category: str, subject: str, field: str) -> list[Violation]:
    """Every rule for a person assigned to teach a course of this category, subject or field."""
    return check_person_employable(person) + check_trainer_qualification(person, category, subject, field)
