"""The demo world that ``make run`` seeds (``manage.py seed_demo``): firms, staff, list versions
and cases in every state, made through the real services.

An app of its own above every other (it composes accounts, partners, notifications and
screening), so that accounts stays at the bottom of the import-linter layers (pyproject.toml)."""
