"""Percentiles computed in the database, one query per figure whatever the number of rows.

PostgreSQL: `percentile_cont(f) WITHIN GROUP (ORDER BY v)` per group. SQLite (development, `make
run`) has no percentile function: the same figure, exactly (linear interpolation between the two
nearest ranks, as `percentile_cont` does), from one query with window functions that returns only
the few rows around each percentile's rank, so memory stays bounded by the number of groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import FloatField, Func, QuerySet


class EpochSeconds(Func):
    """A datetime as (float) seconds since 1970, on PostgreSQL and SQLite: differences of two are
    durations in seconds, which both databases can order and interpolate."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


@dataclass(frozen=True)
class Summary:
    """A group's count, smallest and largest value and the asked percentiles (keys 0.5, 0.9...)."""

    count: int = 0
    minimum: float | None = None
    maximum: float | None = None
    percentiles: dict[float, float] = field(default_factory=dict)

    def percentile(self, fraction: float) -> float | None:
        return self.percentiles.get(fraction)


def summaries(rows: QuerySet, *, fractions: tuple[float, ...] = (0.5, 0.9)) -> dict[Any, Summary]:
    """Per group key, the summary of the values of `rows`: a queryset of `.values(k=..., v=...)`
    (`k` the group, `v` a number; rows whose `v` is null are left out). One query."""
    inner, params = rows.order_by().query.sql_with_params()
    fractions = tuple(float(f) for f in fractions)  # literals in the SQL: numbers we chose
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_postgresql_sql(inner, fractions), params)
            return {
                key: Summary(count, low, high, dict(zip(fractions, values, strict=True)))
                for key, count, low, high, *values in cursor.fetchall()
            }
        cursor.execute(_ranked_sql(inner, fractions), params)
        return _interpolated(cursor.fetchall(), fractions)


def _postgresql_sql(inner: str, fractions: tuple[float, ...]) -> str:
    columns = "".join(f", percentile_cont({f!r}) WITHIN GROUP (ORDER BY t.v)" for f in fractions)
    return (
        # The inner SQL is Django's own compiled query (its values stay parameters); the
        # fractions are float literals we chose: nothing from a request is in this text.
        f"SELECT t.k, COUNT(*), MIN(t.v), MAX(t.v){columns} "  # noqa: S608  # nosec B608
        f"FROM ({inner}) AS t WHERE t.v IS NOT NULL GROUP BY t.k"
    )


def _ranked_sql(inner: str, fractions: tuple[float, ...]) -> str:
    """Rows at rank 1, n and on both sides of each percentile's position 1 + f(n - 1)."""
    ranks = " OR ".join(
        f"r.rn = CAST(1 + {f!r} * (r.n - 1) AS INTEGER) "
        f"OR r.rn = CAST(1 + {f!r} * (r.n - 1) AS INTEGER) + 1"
        for f in fractions
    )
    return (
        # As above: Django's compiled SQL and our own float literals.
        "SELECT r.k, r.n, r.rn, r.v FROM ("  # noqa: S608  # nosec B608
        "SELECT t.k, t.v, ROW_NUMBER() OVER (PARTITION BY t.k ORDER BY t.v) AS rn, "
        "COUNT(*) OVER (PARTITION BY t.k) AS n "
        f"FROM ({inner}) AS t WHERE t.v IS NOT NULL) AS r "
        f"WHERE r.rn = 1 OR r.rn = r.n OR {ranks}"
    )


def _interpolated(rows: list[tuple], fractions: tuple[float, ...]) -> dict[Any, Summary]:
    groups: dict[Any, tuple[int, dict[int, float]]] = {}
    for key, count, rank, value in rows:
        groups.setdefault(key, (count, {}))[1][rank] = value
    result = {}
    for key, (count, by_rank) in groups.items():
        values = {}
        for fraction in fractions:
            position = 1 + fraction * (count - 1)
            low = math.floor(position)
            value = by_rank[low]
            if position > low:
                value += (position - low) * (by_rank[low + 1] - value)
            values[fraction] = value
        result[key] = Summary(count, by_rank[1], by_rank[count], values)
    return result
