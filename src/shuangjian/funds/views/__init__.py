"""Funds pages: money movements (release, refunds, batches, reconciliation) and supervision setup."""
