"""Units: STL has none, so the unit is guessed from the foot's plausible size."""

from __future__ import annotations

import math

from .types import (
    PLAUSIBLE_LENGTH_MM,
    TYPICAL_LENGTH_MM,
    UNIT_REVIEW_BELOW,
    UNIT_SCALES_TO_MM,
    UnitGuess,
)


def guess_unit(
    longest_extent: float, *, expected_length_mm: float | None = None
) -> UnitGuess | None:
    """Which unit makes ``longest_extent`` a plausible foot length; None when no unit does.

    Without a hint, each unit is scored by how typical the resulting length is: 1 inside the typical
    adult range, falling off (log-normal, sigma 0.3) towards the hard limits, 0 outside them. The
    confidence is the winner's share of all scores, so "14" (140 mm child or 356 mm giant) is
    ambiguous while "26" (260 mm in cm, 660 mm in inches) is not. The cm/inch overlap (7-18 units)
    is where a prior alone can be wrong (a 110 mm child's foot in cm reads as 280 mm in inches), so
    pass ``expected_length_mm`` (from the order's shoe size, ``foot_length_from_shoe_size``): the
    score is then closeness to it (log-normal, sigma 0.12), which settles cm against inches.
    """
    scores: dict[str, float] = {}
    low, high = PLAUSIBLE_LENGTH_MM
    typ_low, typ_high = TYPICAL_LENGTH_MM
    for unit, scale in UNIT_SCALES_TO_MM.items():
        length = longest_extent * scale
        if not (low <= length <= high):
            scores[unit] = 0.0
            continue
        if expected_length_mm:
            z = math.log(length / expected_length_mm) / 0.12
        elif length < typ_low:
            z = math.log(typ_low / length) / 0.3
        elif length > typ_high:
            z = math.log(length / typ_high) / 0.3
        else:
            z = 0.0
        scores[unit] = round(math.exp(-0.5 * z * z), 4)
    total = sum(scores.values())
    if total <= 0:
        if expected_length_mm and any(
            low <= longest_extent * scale <= high for scale in UNIT_SCALES_TO_MM.values()
        ):
            # Plausible as a foot, just not this customer's: let staff decide.
            return _fallback_guess(longest_extent)
        return None
    unit = max(scores, key=scores.__getitem__)
    confidence = round(scores[unit] / total, 3)
    needs_review = confidence < UNIT_REVIEW_BELOW or scores[unit] < 0.3
    return UnitGuess(
        unit=unit,
        scale_to_mm=UNIT_SCALES_TO_MM[unit],
        confidence=confidence,
        scores=scores,
        needs_review=needs_review,
    )


def _fallback_guess(longest_extent: float) -> UnitGuess | None:
    guess = guess_unit(longest_extent)
    if guess is None:
        return None
    return UnitGuess(
        unit=guess.unit,
        scale_to_mm=guess.scale_to_mm,
        confidence=0.0,
        scores=guess.scores,
        needs_review=True,
    )


def foot_length_from_shoe_size(size: str | float, system: str) -> float | None:
    """Approximate foot length in mm for a shoe size (None when unknown): a hint, not a fitting.

    EU (Paris points): last = 6.67 mm x size; UK/US (barleycorns): last = (size + 25) / 3 inches
    for UK, US men = UK + 1, US women = UK + 2; the foot is about 15 mm shorter than the last.
    Mondopoint is the foot length in mm; JP sizes are the foot length in cm.
    """
    try:
        value = float(str(size).replace(",", "."))
    except ValueError:
        return None
    system = system.upper()
    if system == "EU":
        length = value * 20 / 3 - 15
    elif system == "UK":
        length = (value + 25) / 3 * 25.4 - 15
    elif system in {"US", "US_M"}:
        length = (value - 1 + 25) / 3 * 25.4 - 15
    elif system == "US_W":
        length = (value - 2 + 25) / 3 * 25.4 - 15
    elif system == "MONDOPOINT":
        length = value
    elif system == "JP":
        length = value * 10
    else:
        return None
    low, high = PLAUSIBLE_LENGTH_MM
    return round(length, 1) if low <= length <= high else None
