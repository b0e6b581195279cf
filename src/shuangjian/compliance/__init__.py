"""The cross-app dry-run compliance check (``POST /api/v1/compliance/check``).

It stands above every app (the import contract in pyproject.toml puts it on top) because it asks several of
them; no app imports it. Each app offers ``check_<kind>(*, actor, data)`` in its services and the payload's
``to_data()`` in its schemas; this package only parses, resolves the payload's references and dispatches.
"""
