"""Request and response of the compliance check; each kind's record is the matching write endpoint's body."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ViolationOut(Schema):
    code: str
    message: str
    basis: str
    field: str = ""


class CheckIn(Schema):
    kind: str = Field(description="session / course / class_group / employment / enrolment")
    record: dict[str, object] = Field(description="与相应写接口的请求体相同")


class CheckOut(Schema):
    kind: str
    violations: list[ViolationOut]
