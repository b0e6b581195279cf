"""API schemas of the courses app; ``to_data()`` turns a payload into the typed data its service takes."""

from __future__ import annotations

import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from .services import ClassGroupData, CourseData, SessionData

# Ids the platform hands out fit a signed 64-bit column; anything larger is a typing mistake.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class CourseIn(Schema):
    name: str = Field(min_length=1, max_length=128, description="课程名称")
    category: str = Field(description="subject 学科类 / non_subject 非学科类")
    subject: str = Field("", description="学科类课程的学科，如 math")
    field: str = Field("", description="非学科类课程的领域：sports / arts / science")
    grades: list[str] = Field(default_factory=list, description="适用年级")
    format: str = Field("offline", description="offline / online_live / online_recorded")
    lesson_minutes: int = Field(ge=1, le=600)
    lesson_count: int = Field(ge=1, le=32767)
    price_per_lesson_fen: int = Field(ge=0, le=100_000_000, description="每课时价格（分）")
    class_size_tier: str = Field(description="small（<10）/ medium（10–35）/ large（>35）")
    description: str = Field("", max_length=5000)

    def to_data(self, external_id: str = "") -> CourseData:
        return CourseData(
            name=self.name,
            category=self.category,
            subject=self.subject,
            field=self.field,
            grades=list(self.grades),
            format=self.format,
            lesson_minutes=self.lesson_minutes,
            lesson_count=self.lesson_count,
            price_per_lesson_fen=self.price_per_lesson_fen,
            class_size_tier=self.class_size_tier,
            description=self.description,
            external_id=external_id,
        )


class CourseOut(Schema):
    id: int
    external_id: str
    name: str
    category: str
    subject: str
    field: str
    grades: list[str]
    format: str
    lesson_minutes: int
    lesson_count: int
    price_per_lesson_fen: int
    class_size_tier: str
    division_code: str
    created: bool = False


class ClassGroupIn(Schema):
    course_id: Id | None = Field(None, description="课程平台编号")
    course_external_id: str = Field("", max_length=64, description="或课程的机构系统编号")
    name: str = Field(min_length=1, max_length=128)
    site_id: Id | None = Field(None, description="教学点编号（线下必填）")
    trainer_ids: list[Id] = Field(default_factory=list, max_length=50, description="授课教师（从业人员 Person 编号）")
    capacity: int = Field(ge=1, le=32767)

    def to_data(self, *, course_id: int, external_id: str = "") -> ClassGroupData:
        """``course_id``: the course this payload names, resolved by ``selectors.operator_course_id``."""
        return ClassGroupData(
            course_id=course_id,
            name=self.name,
            capacity=self.capacity,
            site_id=self.site_id,
            trainer_ids=list(self.trainer_ids),
            external_id=external_id,
        )


class ClassGroupOut(Schema):
    id: int
    external_id: str
    course_id: int
    name: str
    site_id: int | None
    trainer_ids: list[int]
    capacity: int
    enrolled_count: int
    division_code: str
    created: bool = False


class SessionIn(Schema):
    class_group_id: Id | None = Field(None, description="班级平台编号")
    course_external_id: str = Field("", max_length=64, description="或课程的机构系统编号……")
    class_group_external_id: str = Field("", max_length=64, description="……加班级的机构系统编号")
    starts_at: datetime.datetime = Field(description="开始时间（ISO 8601；不带时区按北京时间）")
    ends_at: datetime.datetime

    def to_data(self, *, class_group_id: int) -> SessionData:
        """``class_group_id``: the class group this payload names, resolved by ``selectors.operator_class_group``."""
        return SessionData(class_group_id=class_group_id, starts_at=self.starts_at, ends_at=self.ends_at)


class SessionOut(Schema):
    id: int
    external_id: str
    class_group_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    is_cancelled: bool
    division_code: str
    created: bool = False


class WeeklyIn(Schema):
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        min_length=1, max_length=7, description="0 = 周一 … 6 = 周日"
    )
    start_time: datetime.time
    end_time: datetime.time
    date_from: datetime.date
    date_to: datetime.date
