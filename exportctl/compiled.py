"""Queries of a fixed shape, compiled to SQL once per process.

Django compiles a queryset to SQL each time it is evaluated: for a query with a join, a few
conditions and an ordering that is a millisecond or two of CPU, far more than PostgreSQL takes
to answer it. The few queries asked on every request or every screening run (the API token with
its user, the user's roles, the exporter's case, the lists and reference data in force) are
compiled here once per ``key`` and database, and afterwards only run: the rows are read fresh
every time and converted as the queryset would convert them. Nothing is cached but the SQL.

A statement's parameters are either fixed by its key (``rows(key, build)``: the key carries every
value the query depends on) or given at each run in place of the ``probe`` values it was compiled
with (``rows(key, build, probe=…, params=…)``). The probe is checked when the statement is
compiled: if the ORM's parameters are not exactly the probe, in that order, the statement is
refused rather than run with parameters in the wrong places.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet

#: Compiled statements kept per process; keys may carry a date, so they are dropped now and then.
MAX_STATEMENTS = 256


@dataclass(frozen=True)
class Statement:
    """A queryset compiled: its SQL and parameters, the compiler (whose ``klass_info`` says where
    each model's columns sit in a row) and the converters the ORM applies to the columns."""

    sql: str
    params: tuple
    compiler: Any
    converters: dict

    def execute(self, params: Sequence | None = None, *, using: str = "default") -> list[tuple]:
        """The rows, unconverted, with ``params`` in place of the compiled parameters."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, self.params if params is None else tuple(params))
            return cursor.fetchall()

    def convert(self, rows: list[tuple]) -> list[tuple]:
        """``rows`` with each column converted as the queryset would."""
        if not self.converters:
            return [tuple(row) for row in rows]
        return [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]

    def objects(self, params: Sequence | None = None, *, using: str = "default") -> list:
        """The rows as instances of the queryset's model, made as the queryset makes them (its
        own columns: a ``select_related`` model's are in ``compiler.klass_info``)."""
        info = self.compiler.klass_info
        model, columns = info["model"], info["select_fields"]
        return [
            model.from_db(using, None, [row[i] for i in columns])
            for row in self.convert(self.execute(params, using=using))
        ]


_statements: dict[tuple, Statement] = {}


def _compile(queryset: QuerySet) -> Statement:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    return Statement(sql, tuple(params), compiler, compiler.get_converters(selected))


def statement(
    key: Hashable,
    build: Callable[[], QuerySet],
    *,
    probe: Sequence | None = None,
    using: str = "default",
) -> Statement:
    """``build()`` compiled once per ``key`` and database. With ``probe``, the parameters it
    compiles to must be exactly ``probe``: callers run it with their values in the same order."""
    cache_key = (connections[using].vendor, using, key)
    found = _statements.get(cache_key)
    if found is None:
        found = _compile(build().using(using))
        if probe is not None and list(found.params) != list(probe):
            raise ImproperlyConfigured(
                f"{key!r}: compiled with parameters {found.params!r}, expected {list(probe)!r}"
            )
        if len(_statements) >= MAX_STATEMENTS:
            _statements.clear()
        _statements[cache_key] = found
    return found


def rows(
    key: Hashable,
    build: Callable[[], QuerySet],
    *,
    probe: Sequence | None = None,
    params: Sequence | None = None,
    using: str = "default",
) -> list[tuple]:
    """The rows of ``build()`` (a ``values_list`` queryset on the ``using`` database) as tuples,
    compiled once per ``key``; with ``params`` in place of the ``probe`` values it was built with."""
    if (probe is None) != (params is None):
        raise TypeError("probe and params go together")
    compiled = statement(key, build, probe=probe, using=using)
    return compiled.convert(compiled.execute(params, using=using))


def clear() -> None:
    """Forget every compiled statement."""
    _statements.clear()
