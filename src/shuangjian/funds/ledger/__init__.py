"""The double-entry ledger (see ``batch.py`` until the split)."""

from .batch import *  # noqa: F403
from .batch import _natural  # noqa: F401
