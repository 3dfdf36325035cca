"""Arch index from a wet-footprint photo (Cavanagh & Rodgers 1987). No Django.

Arch index = area of the middle third of the footprint / area of the whole footprint, toes excluded.
>= 0.26 is the usual flat-foot definition; <= 0.21 a high arch. It is shown as supporting evidence
and a confidence note beside the posture score, never added to it.

Method (deliberately simple and explainable): greyscale, Otsu threshold, take the print as the class
that touches the photo's border least, keep the largest connected region (the toes print as separate
blobs and drop out), find its long axis by PCA, split its length into thirds and count pixels.
"""

from __future__ import annotations

import io
from collections import deque
from dataclasses import dataclass

import numpy as np
from PIL import Image

FLAT_FOOT_AT_LEAST = 0.26
HIGH_ARCH_AT_MOST = 0.21
WORK_SIZE = 240  # pixels on the longer side: enough for thirds, quick for a pure-Python fill
MIN_PRINT_FRACTION = 0.03  # below this share of the photo we did not find a footprint


@dataclass(frozen=True)
class ArchIndex:
    value: float
    category: str  # "high_arch", "typical", "flat"


class FootprintUnreadable(ValueError):
    """No clear single footprint in the photo."""


def arch_index_from_image(content: bytes) -> ArchIndex:
    with Image.open(io.BytesIO(content)) as image:
        grey = image.convert("L")
        grey.thumbnail((WORK_SIZE, WORK_SIZE))
        pixels = np.asarray(grey, dtype=np.uint8)
    mask = _print_mask(pixels)
    region = _largest_region(mask)
    if region.sum() < MIN_PRINT_FRACTION * region.size:
        raise FootprintUnreadable("no footprint found")
    value = round(_middle_third_share(region), 3)
    return ArchIndex(value, category_for(value))


def category_for(value: float) -> str:
    if value >= FLAT_FOOT_AT_LEAST:
        return "flat"
    if value <= HIGH_ARCH_AT_MOST:
        return "high_arch"
    return "typical"


def agreement(category: str, posture_band: str | None) -> str:
    """How the footprint bears on the self-score: "supports", "conflicts" or "neutral"."""
    rolling_in = posture_band in ("pronated", "highly_pronated")
    rolling_out = posture_band in ("supinated", "highly_supinated")  # v2 has both
    if category == "flat":
        return "supports" if rolling_in else ("conflicts" if rolling_out else "neutral")
    if category == "high_arch":
        return "conflicts" if rolling_in else ("supports" if rolling_out else "neutral")
    return "conflicts" if posture_band == "highly_pronated" else "neutral"


def _otsu(pixels: np.ndarray) -> int:
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(float)
    total = pixels.size
    weighted = np.cumsum(histogram * np.arange(256))
    counts = np.cumsum(histogram)
    best, threshold = -1.0, 127
    for t in range(1, 255):
        below, above = counts[t], total - counts[t]
        if below == 0 or above == 0:
            continue
        mean_below = weighted[t] / below
        mean_above = (weighted[-1] - weighted[t]) / above
        between = below * above * (mean_below - mean_above) ** 2
        if between > best:
            best, threshold = between, t
    return threshold


def _print_mask(pixels: np.ndarray) -> np.ndarray:
    dark = pixels <= _otsu(pixels)
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    # The paper surrounds the print: the class that fills most of the border is the background.
    return dark if border.mean() < 0.5 else ~dark


def _largest_region(mask: np.ndarray) -> np.ndarray:
    height, width = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    best: list[tuple[int, int]] = []
    for start_y, start_x in zip(*np.nonzero(mask), strict=True):
        if seen[start_y, start_x]:
            continue
        region = []
        queue = deque([(start_y, start_x)])
        seen[start_y, start_x] = True
        while queue:
            y, x = queue.popleft()
            region.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        if len(region) > len(best):
            best = region
    result = np.zeros_like(mask, dtype=bool)
    if best:
        ys, xs = zip(*best, strict=True)
        result[list(ys), list(xs)] = True
    return result


def _middle_third_share(region: np.ndarray) -> float:
    ys, xs = np.nonzero(region)
    points = np.column_stack([xs, ys]).astype(float)
    points -= points.mean(axis=0)
    # The long axis of the print is the first principal component.
    _values, vectors = np.linalg.eigh(np.cov(points.T))
    along = points @ vectors[:, -1]
    low, high = along.min(), along.max()
    third = (high - low) / 3
    middle = (along > low + third) & (along <= low + 2 * third)
    return float(middle.sum() / len(along))
