from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only record of who did what to which object, linked into the hash chain of its partition.

    The log is partitioned into chains (``chain``: ``i:<institution id>``, ``d:<county code>`` or ``global``),
    each with its own head row, so writers on different chains never wait on one another. ``seq`` is the
    log-wide number (ordering of the page, the export and the API; gaps are normal); ``chain_seq`` is the
    gap-free position inside the chain that the hash chain covers. ``version`` 1 rows predate the partition
    (one chain, the whole payload hashed with its ``seq``); ``version`` 2 rows hash a content digest and link it
    to ``prev_hash`` (see core/audit.py). On PostgreSQL a trigger rejects UPDATE and DELETE (migration 0002).
    """

    seq = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=24, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    division_code = models.CharField(_("区划代码"), max_length=20, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    chain = models.CharField(_("审计链"), max_length=32, default="global")
    chain_seq = models.BigIntegerField(_("链内序号"), default=0)
    version = models.PositiveSmallIntegerField(default=2)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["division_code", "-seq"], name="audit_div_seq")]
        constraints = [models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_chain_seq_once")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The head of one chain: its last position and hash. A writer locks only its own chain's row until commit.

    ``prev_hash`` is the hash before the last one: PostgreSQL's ``RETURNING`` sees only the updated row, so the
    one-statement append (core/audit.py) reads the new event's ``prev_hash`` from here.
    """

    chain = models.CharField(max_length=32, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    prev_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"audit head {self.chain} #{self.last_seq}"


class AuditSeal(models.Model):
    """A sealed root: the heads of every chain that moved since the previous seal, chained seal to seal.

    ``heads`` maps chain → ``[chain_seq, hash]`` (only chains that moved: replaying the seals in order gives
    every chain's sealed head); ``heads_digest`` is the digest of that full replayed map; ``hash`` covers the
    seal and ``prev_hash``. Written by the periodic ``audit_seal`` task; append-only on PostgreSQL.
    """

    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField(_("时间"))
    heads = models.JSONField(default=dict)
    chains = models.PositiveIntegerField(_("已封存的链"), default=0)
    events = models.BigIntegerField(_("已封存的记录"), default=0)
    heads_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计封存")
        verbose_name_plural = _("审计封存")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"audit seal #{self.seq}"


class AuditSealedHead(models.Model):
    """The sealer's working copy of the last sealed head per chain (to write only what moved). Not trusted:
    ``audit_verify`` replays the seals themselves."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链已封存位置")
        verbose_name_plural = _("审计链已封存位置")

    def __str__(self) -> str:
        return f"sealed {self.chain} #{self.seq}"
