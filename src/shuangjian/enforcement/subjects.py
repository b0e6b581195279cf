"""Resolving the subject of an inspection or a case into the fields every enforcement row carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shuangjian.core.models import Department
from shuangjian.registry.models import Institution
from shuangjian.registry.permissions import licensing_department
from shuangjian.staff.models import Person

from .models import SubjectKind, UnlicensedOperation


@dataclass(frozen=True)
class Subject:
    kind: str
    institution: Institution | None = None
    person: Person | None = None
    unlicensed: UnlicensedOperation | None = None
    # A person has no county of their own: the acting county is given with them.
    division_code: str = ""

    @classmethod
    def of_institution(cls, institution: Institution) -> Subject:
        return cls(SubjectKind.INSTITUTION, institution=institution)

    @classmethod
    def of_person(cls, person: Person, *, division_code: str, institution: Institution | None = None) -> Subject:
        return cls(SubjectKind.PERSON, person=person, institution=institution, division_code=division_code)

    @classmethod
    def of_unlicensed(cls, operation: UnlicensedOperation) -> Subject:
        return cls(SubjectKind.UNLICENSED, unlicensed=operation)

    def fields(self) -> dict[str, Any]:
        """The SubjectFields values of a new inspection or case concerning this subject."""
        if self.kind == SubjectKind.INSTITUTION and self.institution is not None:
            inst = self.institution
            return {
                "subject_kind": self.kind,
                "institution": inst,
                "person": None,
                "unlicensed": None,
                "subject_name": inst.name,
                "division_code": inst.division_code,
                "township_code": inst.township_code,
                "department": licensing_department(inst),
            }
        if self.kind == SubjectKind.PERSON and self.person is not None and self.division_code:
            return {
                "subject_kind": self.kind,
                "institution": self.institution,
                "person": self.person,
                "unlicensed": None,
                "subject_name": self.person.name,
                "division_code": self.division_code,
                "township_code": "",
                "department": Department.EDUCATION,
            }
        if self.kind == SubjectKind.UNLICENSED and self.unlicensed is not None:
            op = self.unlicensed
            return {
                "subject_kind": self.kind,
                "institution": op.institution,
                "person": None,
                "unlicensed": op,
                "subject_name": op.name,
                "division_code": op.division_code,
                "township_code": op.township_code,
                "department": Department.EDUCATION,
            }
        raise ValidationError(_("检查或案件须指明对象：机构、人员或无证无照培训。"), code="subject_required")


def subject_of(row: Any) -> Subject:
    """The subject an inspection or case row concerns."""
    if row.subject_kind == SubjectKind.PERSON:
        return Subject.of_person(row.person, division_code=row.division_code, institution=row.institution)
    if row.subject_kind == SubjectKind.UNLICENSED:
        return Subject.of_unlicensed(row.unlicensed)
    return Subject.of_institution(row.institution)
