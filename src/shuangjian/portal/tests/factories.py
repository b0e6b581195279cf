"""Factories for the portal's content."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.portal.models import Article, ArticleKind, ReportContact


class ArticleFactory(factory.django.DjangoModelFactory[Article]):
    class Meta:
        model = Article

    kind = ArticleKind.NOTICE
    title = factory.Sequence(lambda n: f"关于校外培训的公告（{n}）")
    body = "<p>正文</p>"
    division_code = "410202"
    is_published = True
    published_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    created_by = factory.SubFactory(RegulatorFactory)

    @classmethod
    def draft(cls, **kwargs: Any) -> Article:
        return cls.create(is_published=False, published_on=None, **kwargs)


class ReportContactFactory(factory.django.DjangoModelFactory[ReportContact]):
    class Meta:
        model = ReportContact
        django_get_or_create = ("division_code",)

    division_code = "410202"
    hotline = "0371-2356 0000"
    email = "ltjubao@example.cn"
