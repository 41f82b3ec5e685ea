"""Value queries of a fixed shape, compiled to SQL once per process.

Django compiles a queryset to SQL each time it is evaluated: for a query with a join, a few
conditions and an ordering that is a millisecond or two of CPU, far more than PostgreSQL takes
to answer it. The screening worker asks the same few such questions on every run (the End User
List in force, the reference data in force today), so ``rows`` compiles each of them once per
``key`` and afterwards sends the very same SQL and parameters, and converts the values as the
queryset would: the rows are what evaluating the queryset gives, read fresh every time. Nothing
is cached but the SQL.

Only for ``values_list`` querysets whose SQL and parameters depend on nothing but ``key``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

#: Compiled statements kept per process; the keys carry a date, so they are dropped now and then.
MAX_STATEMENTS = 256

_statements: dict[tuple, tuple[str, tuple, Any, list]] = {}


def _compile(queryset: QuerySet) -> tuple[str, tuple, Any, list]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    return sql, tuple(params), compiler, compiler.get_converters(selected)


def rows(key: Hashable, build: Callable[[], QuerySet], *, using: str = "default") -> list[tuple]:
    """The rows of ``build()`` (a ``values_list`` queryset on the ``using`` database) as tuples,
    compiled once per ``key``."""
    connection = connections[using]
    cache_key = (connection.vendor, using, key)
    found = _statements.get(cache_key)
    if found is None:
        if len(_statements) >= MAX_STATEMENTS:
            _statements.clear()
        found = _statements[cache_key] = _compile(build().using(using))
    sql, params, compiler, converters = found
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()
    if converters:
        return [tuple(row) for row in compiler.apply_converters(result, converters)]
    return [tuple(row) for row in result]


def clear() -> None:
    """Forget every compiled statement."""
    _statements.clear()
