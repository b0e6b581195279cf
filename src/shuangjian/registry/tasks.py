"""Celery tasks of the registry (thin wrappers live next to their services; imported here for the worker)."""

from .exports import institution_export_task
from .imports import survey_import_task

__all__ = ["institution_export_task", "survey_import_task"]
