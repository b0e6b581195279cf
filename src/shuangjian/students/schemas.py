from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from .services import EnrolmentData, StudentData


class StudentIn(Schema):
    name: str = Field(min_length=1, max_length=64, description="学员姓名")
    resident_id: str = Field("", max_length=40, description="居民身份证号（与学籍号至少填一项）")
    school_roll_no: str = Field("", max_length=32, description="学籍号")
    grade: str = Field("", max_length=16)
    school_name: str = Field("", max_length=128)
    school_code: str = Field("", max_length=32)

    def to_data(self) -> StudentData:
        return StudentData(
            name=self.name,
            resident_id=self.resident_id,
            school_roll_no=self.school_roll_no,
            grade=self.grade,
            school_name=self.school_name,
            school_code=self.school_code,
        )


class EnrolmentIn(Schema):
    student: StudentIn
    class_group_id: int | None = Field(None, description="班级编号（平台 id）")
    course_external_id: str = Field("", max_length=64, description="或：课程的机构系统编号……")
    class_group_external_id: str = Field("", max_length=64, description="……加班级的机构系统编号")
    start_date: datetime.date
    end_date: datetime.date
    lessons_bought: int = Field(ge=1, le=32767)
    price_per_lesson_fen: int = Field(ge=1, le=100_000_000)

    def to_data(self, *, class_group_id: int | None, external_id: str = "") -> EnrolmentData:
        """``class_group_id``: the class group this payload names (``selectors.enrolment_class_group_id``)."""
        return EnrolmentData(
            class_group_id=class_group_id,
            student=self.student.to_data(),
            start_date=self.start_date,
            end_date=self.end_date,
            lessons_bought=self.lessons_bought,
            price_per_lesson_fen=self.price_per_lesson_fen,
            external_id=external_id,
        )


class EnrolmentOut(Schema):
    id: int
    external_id: str
    contract_no: str
    status: str
    student_id: int
    student_name: str
    institution_id: int
    class_group_id: int
    course_name: str
    start_date: datetime.date
    end_date: datetime.date
    lessons_bought: int
    price_per_lesson_fen: int
    total_fee_fen: int
    contract_confirmed_at: datetime.datetime | None
    division_code: str
    created: bool = False


class AttendanceIn(Schema):
    enrolment_external_id: str = Field(min_length=1, max_length=64)
    session_id: int | None = None
    session_external_id: str = Field("", max_length=64, description="本班课次的机构系统编号（或 session_id）")
    present: bool = True


class AttendanceOut(Schema):
    id: int
    session_id: int
    enrolment_id: int
    present: bool
    changed: bool


class BindIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    resident_id: str = Field(min_length=1, max_length=40)
    binding_code: str = Field(min_length=1, max_length=20, description="培训合同上的家长绑定码")


class ChildOut(Schema):
    id: int
    name: str
    grade: str
    school_name: str
