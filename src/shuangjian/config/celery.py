"""Celery application: periodic jobs (deadlines, reminders, reconciliation, scans) run here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.config.settings.dev")

app = Celery("shuangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
