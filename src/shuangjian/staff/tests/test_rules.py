"""Who may teach: in-service teachers and the black-listed never; trainers with the matching certificate only."""

from __future__ import annotations

import pytest

from shuangjian.core.rules import Violation
from shuangjian.staff.rules import (
    BASIS_BLACKLIST,
    BASIS_IN_SERVICE,
    BASIS_PROFESSIONAL_CERTIFICATE,
    BASIS_TEACHER_CERTIFICATE,
    CertificateFacts,
    PersonFacts,
    check_person_employable,
    check_trainer,
    check_trainer_qualification,
)

MATH_TEACHER = CertificateFacts("teacher", "math", "20234100000001")
PIANO = CertificateFacts("professional", "piano")
ENGLISH_TEACHER = CertificateFacts("teacher", "english")


def in_service(name: str) -> Violation:
    return Violation(
        "staff.in_service_teacher",
        f"{name} 为中小学在职教师，不得在校外培训机构任职或授课。",
        str(BASIS_IN_SERVICE),
        "trainers",
    )


def blacklisted(name: str) -> Violation:
    return Violation(
        "staff.blacklisted",
        f"{name} 被列入从业黑名单（限制从业），不得从事校外培训。",
        str(BASIS_BLACKLIST),
        "trainers",
    )


def no_teacher_certificate(name: str) -> Violation:
    return Violation(
        "staff.no_matching_teacher_certificate",
        f"{name} 未取得与所授学科相应的教师资格证，不得从事学科类培训。",
        str(BASIS_TEACHER_CERTIFICATE),
        "trainers",
    )


def no_professional_certificate(name: str) -> Violation:
    return Violation(
        "staff.no_professional_certificate",
        f"{name} 未取得与所授领域相应的专业资质证书。",
        str(BASIS_PROFESSIONAL_CERTIFICATE),
        "trainers",
    )


def test_a_person_with_nothing_against_them_is_employable() -> None:
    assert check_person_employable(PersonFacts("王老师")) == []


def test_in_service_teacher_and_black_list_are_both_named() -> None:
    assert check_person_employable(PersonFacts("李老师", is_in_service_teacher=True)) == [in_service("李老师")]
    assert check_person_employable(PersonFacts("张三", is_blacklisted=True)) == [blacklisted("张三")]
    both = PersonFacts("赵四", is_in_service_teacher=True, is_blacklisted=True)
    assert check_person_employable(both) == [in_service("赵四"), blacklisted("赵四")]


def test_a_subject_trainer_needs_the_teacher_certificate_of_that_subject() -> None:
    person = PersonFacts("王老师", certificates=(ENGLISH_TEACHER, MATH_TEACHER))
    assert check_trainer_qualification(person, "subject", "math", "") == []
    assert check_trainer_qualification(person, "subject", "physics", "") == [no_teacher_certificate("王老师")]
    # A professional certificate named like the subject is not a teacher certificate.
    other = PersonFacts("钱老师", certificates=(CertificateFacts("professional", "math"),))
    assert check_trainer_qualification(other, "subject", "math", "") == [no_teacher_certificate("钱老师")]
    assert check_trainer_qualification(PersonFacts("孙老师"), "subject", "math", "") == [
        no_teacher_certificate("孙老师")
    ]


@pytest.mark.parametrize("certificate", [PIANO, CertificateFacts("teacher", "piano")])
def test_a_non_subject_trainer_needs_a_certificate_of_the_field(certificate: CertificateFacts) -> None:
    person = PersonFacts("周老师", certificates=(MATH_TEACHER, certificate))
    assert check_trainer_qualification(person, "non_subject", "", "piano") == []
    assert check_trainer_qualification(person, "non_subject", "", "dance") == [no_professional_certificate("周老师")]


def test_a_certificate_of_another_kind_does_not_count() -> None:
    person = PersonFacts("吴老师", certificates=(CertificateFacts("health", "piano"),))
    assert check_trainer_qualification(person, "non_subject", "", "piano") == [no_professional_certificate("吴老师")]


def test_check_trainer_reports_employability_then_qualification() -> None:
    person = PersonFacts("郑老师", is_in_service_teacher=True, is_blacklisted=True)
    assert check_trainer(person, "subject", "math", "") == [
        in_service("郑老师"),
        blacklisted("郑老师"),
        no_teacher_certificate("郑老师"),
    ]
    assert check_trainer(PersonFacts("冯老师", certificates=(PIANO,)), "non_subject", "", "piano") == []
