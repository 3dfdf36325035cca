"""Shoe size → foot length range, from the published table kept as data (see ``data/README.md``)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "shoe_sizes.csv"
SYSTEM_ALIASES = {
    "us": ("us_men", "us_women"),  # the catalogue's "US" does not say which: accept either
    "us_m": ("us_men",),
    "us_w": ("us_women",),
    "uk": ("uk",),
    "eu": ("eu",),
    "us_men": ("us_men",),
    "us_women": ("us_women",),
}
SIZE_TOLERANCE = 0.12
"""A measured foot within 12 % of its size's range still "fits" the size: makers' lasts differ by a
size or so and people buy a size up; units differ by a factor of 2.54 or more, so this cannot confuse
them."""


@cache
def _table() -> dict[tuple[str, str], tuple[float, float, float]]:
    rows: dict[tuple[str, str], tuple[float, float, float]] = {}
    with TABLE.open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["system"], _normal_size(row["size"]))
            rows[key] = (
                float(row["foot_min_mm"]),
                float(row["foot_mm"]),
                float(row["foot_max_mm"]),
            )
    return rows


def _normal_size(size: str | float) -> str:
    try:
        return f"{float(str(size).strip().replace(',', '.')):g}"
    except ValueError:
        return str(size).strip()


def size_range_mm(system: str | None, size: str | float | None) -> tuple[float, float] | None:
    """(shortest, longest) foot length in mm for a shoe size; None when the table lacks it."""
    if not system or size is None or size == "":
        return None
    rows = [
        _table().get((name, _normal_size(size))) for name in SYSTEM_ALIASES.get(system.lower(), ())
    ]
    rows = [row for row in rows if row is not None]
    if not rows:
        return None
    return (min(row[0] for row in rows), max(row[2] for row in rows))


def fits_range(length_mm: float, window: tuple[float, float]) -> bool:
    """Inside the range widened by ``SIZE_TOLERANCE``."""
    low, high = window
    return low * (1 - SIZE_TOLERANCE) <= length_mm <= high * (1 + SIZE_TOLERANCE)
