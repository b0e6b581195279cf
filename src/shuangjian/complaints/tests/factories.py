from __future__ import annotations

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from shuangjian.complaints import rules
from shuangjian.complaints.models import Category, Report


def jpeg(name: str = "p.jpg", size: tuple[int, int] = (40, 30), color: str = "red") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


class ReportFactory(factory.django.DjangoModelFactory[Report]):
    class Meta:
        model = Report

    code = factory.LazyFunction(rules.tracking_code_new)
    category = Category.UNLICENSED
    institution_name = "某某补习班"
    address = "龙亭区北道门街 12 号"
    division_code = "410202"
    description = "周末在居民楼里给初中生上数学课。"
    phone = "13800000000"
    received_at = factory.LazyFunction(timezone.now)
