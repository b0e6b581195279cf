"""Open311 GeoReport v2 shapes (https://wiki.open311.org/GeoReport_v2). Every field is public: no phone, email,
name or account of a reporter is ever declared here."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field, Schema


class ServiceOut(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="Always false: no extra attributes are asked.")
    type: str = Field(description="realtime: each request is handled individually.")
    keywords: str
    group: str


class ServiceAttributeOut(Schema):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str


class ServiceDefinitionOut(Schema):
    service_code: str
    attributes: list[ServiceAttributeOut]


class RequestCreatedOut(Schema):
    service_request_id: str = Field(description="The tracking code (查询码): 10 characters, readable aloud.")
    token: str | None = None
    service_notice: str
    account_id: str | None = None


class RequestOut(Schema):
    service_request_id: str
    status: str = Field(description="open or closed")
    status_notes: str = Field(description="Extension: the latest public note of the handling (进展说明).")
    service_name: str
    service_code: str
    description: str = Field(
        description="One request asked by its id: the text as filed; in the list: the category and subject only."
    )
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime.datetime
    updated_datetime: datetime.datetime
    expected_datetime: datetime.datetime | None = None
    address: str
    address_id: str | None = None
    zipcode: str | None = None
    lat: Decimal | None = None
    long: Decimal | None = None
    media_url: str | None = Field(
        None, description="Extension: the first photo (re-encoded, no EXIF) once the report has been accepted."
    )
