from __future__ import annotations

import factory

from shuangjian.core.demo import DEMO_PASSWORD
from shuangjian.core.models import Department, Division, DivisionLevel, Role, User

TEST_PASSWORD = DEMO_PASSWORD


class DivisionFactory(factory.django.DjangoModelFactory[Division]):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"4199{n:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    level = DivisionLevel.COUNTY


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.PARENT
    department = ""
    scope_code = ""
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class RegulatorFactory(UserFactory):
    role = Role.REGULATOR
    department = Department.EDUCATION
    scope_code = "410202"


class PlatformAdminFactory(UserFactory):
    role = Role.PLATFORM_ADMIN
    is_staff = True
    is_superuser = True
