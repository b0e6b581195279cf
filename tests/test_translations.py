"""The English catalogue: complete, compiled from the committed .po, and used when a person picks English."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

from shuangjian.core.models import Department, Role

LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "shuangjian" / "locale"
PO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def parse_po(text: str) -> list[Entry]:
    """Just enough of the PO format for Django's makemessages output: flags, context, plurals, continuations."""
    entries: list[Entry] = []
    for block in text.split("\n\n"):
        entry = Entry()
        target: tuple[str, int] | None = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",")}
                continue
            if line.startswith("#") or not line.strip():
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$", line)
            if match:
                target = (match.group(1), int(match.group(2) or 0))
                value = ast.literal_eval(match.group(3))
            else:
                assert target is not None, f"unexpected line in {PO_PATH}: {line!r}"
                value = ast.literal_eval(line)
            key, index = target
            if key == "msgstr":
                entry.msgstr[index] = entry.msgstr.get(index, "") + value
            else:
                setattr(entry, key, (getattr(entry, key) or "") + value)
        if entry.msgid:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


def test_catalogue_is_not_trivial(entries):
    assert len(entries) > 100


def test_every_msgid_has_an_english_msgstr(entries):
    missing = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not missing, f"untranslated in {PO_PATH.name}: {missing}"
    assert not fuzzy, f"fuzzy (unchecked) translations in {PO_PATH.name}: {fuzzy}"


def test_translations_keep_every_placeholder(entries):
    wrong = []
    for e in entries:
        for text in e.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid)):
                wrong.append((e.msgid, text))
    assert not wrong


def test_compiled_mo_matches_the_po(entries):
    """The .mo Django loads is committed: it must say exactly what the .po says (run `make messages`)."""
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if e.msgid_plural is None:
            if catalog._catalog.get(key) != e.msgstr[0]:  # type: ignore[attr-defined]
                stale.append(e.msgid)
        else:
            for index, text in e.msgstr.items():
                if catalog._catalog.get((key, index)) != text:  # type: ignore[attr-defined]
                    stale.append(e.msgid)
    assert not stale, f"django.mo is older than django.po for: {stale[:20]} — run `make messages`"


def test_english_is_used_for_models_and_choices():
    with translation.override("en"):
        assert str(Role.REGULATOR.label) == "Regulator"
        assert str(Department.MARKET_REGULATION.label) == "Market regulation"
    with translation.override("zh-hans"):
        assert str(Role.REGULATOR.label) == "监管人员"


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_when_chosen(client, settings):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "用户名" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Username" in page and "Sign in" in page
    assert "用户名" not in page


@pytest.mark.django_db
def test_wrong_password_error_is_translated(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}).content.decode()
    assert "Wrong username or password" in page
