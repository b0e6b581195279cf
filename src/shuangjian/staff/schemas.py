from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from .services import EmploymentData, QualificationData


class QualificationIn(Schema):
    kind: str = Field(description="teacher_certificate（教师资格证）或 professional（专业资质证书）")
    number: str = Field(min_length=1, max_length=64, description="证书编号")
    subject: str = Field("", max_length=12, description="教师资格证的任教学科，如 math")
    level: str = Field("", max_length=12, description="教师资格证的资格种类：primary/junior/senior 等")
    field: str = Field("", max_length=10, description="专业资质证书的领域：sports/arts/science")
    name: str = Field("", max_length=128, description="证书名称")
    issued_on: datetime.date | None = None


class EmploymentIn(Schema):
    resident_id: str = Field(min_length=1, max_length=40, description="居民身份证号")
    name: str = Field(min_length=1, max_length=64, description="姓名")
    phone: str = Field("", max_length=20)
    role: str = Field("trainer", description="trainer（培训教师）、manager（管理人员）或 other")
    start: datetime.date
    end: datetime.date | None = None
    subjects: list[str] = Field(default_factory=list, max_length=11, description="学科类培训教师所授学科")
    field: str = Field("", max_length=10, description="非学科类培训教师所授领域")
    qualifications: list[QualificationIn] = Field(default_factory=list, max_length=20)

    def to_data(self) -> EmploymentData:
        return EmploymentData(
            resident_id=self.resident_id,
            name=self.name,
            phone=self.phone,
            role=self.role,
            start=self.start,
            end=self.end,
            subjects=tuple(self.subjects),
            field=self.field,
            qualifications=tuple(QualificationData(**q.model_dump()) for q in self.qualifications),
        )


class QualificationOut(Schema):
    kind: str
    number: str
    subject: str
    level: str
    field: str


class FlagOut(Schema):
    code: str
    detail: str
    created_at: datetime.datetime


class EmploymentOut(Schema):
    id: int
    external_id: str
    person_id: int
    name: str
    resident_id_masked: str
    institution_id: int
    institution_name: str
    role: str
    start: datetime.date
    end: datetime.date | None
    subjects: list[str]
    field: str
    division_code: str
    qualifications: list[QualificationOut]
    flags: list[FlagOut]
    created: bool = False


class EmploymentPage(Schema):
    count: int
    items: list[EmploymentOut]


class EndIn(Schema):
    end: datetime.date
