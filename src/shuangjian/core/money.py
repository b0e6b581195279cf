"""Money: integer fen (分) everywhere; yuan only at the edges (forms, templates, Excel).

``parse_yuan`` turns what a person types into fen exactly (string arithmetic, never a float);
``format_fen`` shows fen as yuan with thousands separators. ``format_fen`` then ``parse_yuan`` gives back the
same integer for every value a ``BigIntegerField`` can hold.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The largest amount a BigIntegerField (signed 64-bit) holds; larger input is refused, not wrapped or truncated.
MAX_FEN = 2**63 - 1

_AMOUNT = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?")
_TOO_PRECISE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{3,}")
_MINUS = ("-", "\u2212")  # ASCII hyphen-minus and the minus sign some spreadsheets export
_CURRENCY = ("¥", "RMB", "CNY")


def parse_yuan(text: object, *, allow_negative: bool = False) -> int:
    """Yuan as typed (``"1,234.50"``, ``"¥1,234.5"``, ``"１２３４.５０元"``, ``"1234"``) → fen (123450).

    Full-width characters are folded (NFKC); a leading ¥/￥/RMB/CNY and a trailing 元 are allowed; commas must
    group thousands correctly; at most two decimals. Negative amounts (a leading minus, before or after the
    currency sign) only when ``allow_negative``. Anything else raises ``ValidationError`` (code ``money_invalid``,
    ``money_precision``, ``money_negative`` or ``money_too_large``).
    """
    # A float may already be inexact (0.1 + 0.2), so it is refused rather than guessed at; Decimal and int are fine.
    if isinstance(text, bool | float) or text is None:
        raise ValidationError(_("请输入金额。"), code="money_invalid")
    if isinstance(text, int):
        text = str(text)
    raw = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    if not raw:
        raise ValidationError(_("请输入金额。"), code="money_invalid")
    negative = False
    body = raw
    if body.endswith("元"):
        body = body[:-1]
    # Sign and currency sign may come in either order: "-¥1.00" and "¥-1.00".
    if body.startswith(_MINUS):
        negative, body = True, body[1:]
    for symbol in _CURRENCY:
        if body.upper().startswith(symbol):
            body = body[len(symbol) :]
            break
    if not negative and body.startswith(_MINUS):
        negative, body = True, body[1:]
    match = _AMOUNT.fullmatch(body)
    if match is None:
        if _TOO_PRECISE.fullmatch(body):
            raise ValidationError(_("金额最多保留两位小数（精确到分）。"), code="money_precision")
        raise ValidationError(
            _("“%(value)s”不是有效的金额，请输入如 1,234.50 的数字。"),
            code="money_invalid",
            params={"value": str(text)[:40]},
        )
    fen = int(match["int"].replace(",", "")) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    if negative and fen:
        if not allow_negative:
            raise ValidationError(_("金额不能为负数。"), code="money_negative")
        fen = -fen
    if abs(fen) > MAX_FEN:
        raise ValidationError(_("金额过大。"), code="money_too_large")
    return fen


def format_fen(fen: int, *, symbol: bool = False) -> str:
    """123450 → ``"1,234.50"`` (``"¥1,234.50"`` with ``symbol``); negatives as ``"-1,234.50"`` / ``"-¥1,234.50"``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"format_fen expects int fen, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"
