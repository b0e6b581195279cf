"""Shipped data files (administrative divisions); see README.md."""
