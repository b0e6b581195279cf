"""Writing the portal's content: every change is checked, atomic and audited.

A regulator writes for their own division (``portal.change_article``); out of reach is a 404, in reach but
another division's (a city regulator on a county's item) a 403. Bodies are sanitised before they are stored.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangjian.core.access import has_forbidden_characters, lock_in_scope_or_404
from shuangjian.core.audit import audit_record
from shuangjian.core.models import Division, User
from shuangjian.core.permissions import require
from shuangjian.core.uploads import check_upload
from shuangjian.registry.lists import today_local

from .models import Article, ArticleKind, Attachment, ReportContact
from .sanitize import clean_html

ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "jpeg", "png")
ARTICLE_FIELDS = ("kind", "title", "summary", "body", "source", "document_number", "published_on")


def _writing_division(actor: User, division_code: str | None) -> str:
    """The division an item is written for: the regulator's own; a platform administrator names one."""
    if actor.is_platform_admin:
        code = (division_code or "").strip()
        if not code or not Division.objects.filter(code=code).exists():
            raise ValidationError({"division_code": _("请填写存在的行政区划代码。")}, code="division_unknown")
        return code
    return actor.scope_code


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The article's fields checked and normalised; a bad one is a ValidationError naming its field."""
    errors: dict[str, str] = {}
    out = dict(values)
    if out.get("kind") not in ArticleKind.values:
        errors["kind"] = _("请选择栏目。")
    for name in ("title", "summary", "source", "document_number"):
        out[name] = " ".join(str(out.get(name) or "").split())
        if has_forbidden_characters(out[name]):
            errors[name] = _("不能包含控制字符或不可见字符。")
    if not out["title"]:
        errors["title"] = _("请填写标题。")
    body = str(out.get("body") or "")
    limit = int(settings.PORTAL_ARTICLE_BODY_MAX_CHARS)
    if len(body) > limit:
        errors["body"] = _("正文不能超过 %(n)d 个字符。") % {"n": limit}
    else:
        out["body"] = clean_html(body.replace("\x00", ""))
    published_on = out.get("published_on")
    if published_on is not None and not isinstance(published_on, datetime.date):
        errors["published_on"] = _("请填写正确的日期。")
    if errors:
        raise ValidationError(errors)
    return out


def _snapshot(article: Article) -> dict[str, Any]:
    return {name: getattr(article, name) for name in (*ARTICLE_FIELDS, "is_published")}


@transaction.atomic
def article_create(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    summary: str = "",
    source: str = "",
    document_number: str = "",
    published_on: datetime.date | None = None,
    division_code: str | None = None,
) -> Article:
    """A new item, unpublished, written for the regulator's division."""
    require(actor, "portal.manage_content")
    values = _clean_fields(
        {
            "kind": kind,
            "title": title,
            "summary": summary,
            "body": body,
            "source": source,
            "document_number": document_number,
            "published_on": published_on,
        }
    )
    code = _writing_division(actor, division_code)
    article = Article.objects.create(**values, division_code=code, created_by=actor)
    audit_record(actor=actor, action="portal_article.create", obj=article, after=_snapshot(article))
    return article


def _locked(actor: User, article: Article) -> Article:
    locked = lock_in_scope_or_404(Article.objects.all(), actor, pk=article.pk)
    require(actor, "portal.change_article", locked)
    return locked


@transaction.atomic
def article_update(*, actor: User, article: Article, **values: Any) -> Article:
    """Change the given fields (``ARTICLE_FIELDS``); nothing changed, nothing written."""
    unknown = set(values) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"not article fields: {sorted(unknown)}")
    article = _locked(actor, article)
    current = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    cleaned = _clean_fields({**current, **values})
    changed = {name: cleaned[name] for name in ARTICLE_FIELDS if cleaned[name] != current[name]}
    if not changed:
        return article
    before = {name: current[name] for name in changed}
    for name, value in changed.items():
        setattr(article, name, value)
    article.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action="portal_article.update", obj=article, before=before, after=changed)
    return article


@transaction.atomic
def article_publish(*, actor: User, article: Article) -> Article:
    """Show the item to the public from its publish date (today when none was set)."""
    article = _locked(actor, article)
    if article.is_published:
        return article
    article.is_published = True
    article.published_on = article.published_on or today_local()
    article.save(update_fields=["is_published", "published_on", "updated_at"])
    audit_record(
        actor=actor,
        action="portal_article.publish",
        obj=article,
        before={"is_published": False},
        after={"is_published": True, "published_on": article.published_on},
    )
    return article


@transaction.atomic
def article_unpublish(*, actor: User, article: Article) -> Article:
    """Withdraw the item from the public (it stays for its division's regulators)."""
    article = _locked(actor, article)
    if not article.is_published:
        return article
    article.is_published = False
    article.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=actor,
        action="portal_article.unpublish",
        obj=article,
        before={"is_published": True},
        after={"is_published": False},
    )
    return article


@transaction.atomic
def article_delete(*, actor: User, article: Article) -> None:
    """Delete the item and its attachments (the files go once the deletion is committed)."""
    article = _locked(actor, article)
    files = [a.file.name for a in article.attachments.all() if a.file]
    audit_record(actor=actor, action="portal_article.delete", obj=article, before=_snapshot(article))
    article.delete()
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: _delete_files(storage, files))


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def attachment_max_bytes() -> int:
    return int(settings.PORTAL_ATTACHMENT_MAX_BYTES)


@transaction.atomic
def attachment_add(*, actor: User, article: Article, file: Any) -> Attachment:
    """Attach a PDF, Word, Excel, JPEG or PNG file (checked by its content); anything else is refused."""
    article = _locked(actor, article)
    limit = int(settings.PORTAL_ATTACHMENTS_PER_ARTICLE)
    if article.attachments.count() >= limit:
        raise ValidationError({"file": _("每篇最多 %(n)d 个附件。") % {"n": limit}}, code="too_many_attachments")
    try:
        kind = check_upload(file, allowed=ATTACHMENT_KINDS, max_bytes=attachment_max_bytes())
    except ValidationError as exc:
        raise ValidationError({"file": exc}) from exc
    name = " ".join(str(getattr(file, "name", "") or "").split())[-200:] or f"附件.{kind.extensions[0]}"
    if has_forbidden_characters(name):
        raise ValidationError({"file": _("文件名不能包含控制字符或不可见字符。")}, code="forbidden_characters")
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    attachment = Attachment.objects.create(
        article=article, file=file, name=name, kind=kind.name, size=file.size, sha256=digest.hexdigest()
    )
    audit_record(
        actor=actor,
        action="portal_article.attachment_add",
        obj=article,
        after={"attachment": attachment.pk, "name": name, "kind": kind.name, "sha256": attachment.sha256},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    article = _locked(actor, attachment.article)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, article=article)
    name = attachment.file.name
    audit_record(
        actor=actor,
        action="portal_article.attachment_remove",
        obj=article,
        before={"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256},
    )
    attachment.delete()
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: _delete_files(storage, [name]))


CONTACT_FIELDS = ("hotline", "email", "hours", "address")


@transaction.atomic
def contact_save(*, actor: User, division_code: str, **values: str) -> ReportContact:
    """Set the hotline, email, hours and letter address the public of the division reports to."""
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"not contact fields: {sorted(unknown)}")
    target = ReportContact(division_code=division_code)
    require(actor, "portal.change_contact", target)
    if not Division.objects.filter(code=division_code).exists():
        raise ValidationError({"division_code": _("请填写存在的行政区划代码。")}, code="division_unknown")
    cleaned = {name: " ".join(str(values.get(name) or "").split()) for name in CONTACT_FIELDS}
    contact, created = ReportContact.objects.select_for_update().get_or_create(division_code=division_code)
    before = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    if not created and before == cleaned:
        return contact
    for name, value in cleaned.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor, action="portal_contact.update", obj=contact, before=None if created else before, after=cleaned
    )
    return contact
