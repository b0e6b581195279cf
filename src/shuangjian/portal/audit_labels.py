"""Labels of the actions the portal writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "portal_article.create": _("撰写门户文章"),
        "portal_article.update": _("修改门户文章"),
        "portal_article.publish": _("发布门户文章"),
        "portal_article.unpublish": _("撤回门户文章"),
        "portal_article.delete": _("删除门户文章"),
        "portal_article.attachment_add": _("上传门户文章附件"),
        "portal_article.attachment_remove": _("删除门户文章附件"),
        "portal_contact.update": _("修改举报电话和邮箱"),
    }
)
