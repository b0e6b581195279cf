"""Schemas of the registry API."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import field_validator

from shuangjian.core.access import FORBIDDEN_CHARACTERS_MESSAGE, has_forbidden_characters


class InstitutionOut(Schema):
    id: int
    name: str
    uscc: str
    category: str
    field: str
    legal_form: str
    status: str
    licence_no: str | None
    licence_expires_on: datetime.date | None
    approving_department: str
    supervision_mode: str
    division_code: str
    township_code: str
    address: str


class InstitutionPage(Schema):
    count: int
    page: int
    pages: int
    results: list[InstitutionOut]


class SiteViolationOut(Schema):
    code: str
    message: str
    basis: str
    field: str


class SiteOut(Schema):
    id: int
    name: str
    address: str
    usable_area_m2: Decimal
    floor: int
    is_basement: bool
    in_residential_building: bool
    lease_start: datetime.date | None
    lease_end: datetime.date | None
    serves_children_12_or_under: bool
    is_active: bool
    capacity: int
    violations: list[SiteViolationOut]


class SiteIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    address: str = Field(min_length=1, max_length=255)
    usable_area_m2: Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    floor: int = Field(ge=-10, le=200)
    is_basement: bool = False
    in_residential_building: bool = False
    lease_start: datetime.date | None = None
    lease_end: datetime.date | None = None
    serves_children_12_or_under: bool = True
    is_active: bool = True

    @field_validator("name", "address")
    @classmethod
    def _printable(cls, value: str) -> str:
        # Refused before the handler runs: PostgreSQL would refuse a NUL in the handler's own lookup by name.
        if has_forbidden_characters(value):
            raise ValueError(str(FORBIDDEN_CHARACTERS_MESSAGE))
        return value
