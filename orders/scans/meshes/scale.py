"""Resolving the scale: which unit turns the file's numbers into this customer's foot, or "unknown".

Decision (issue 15): only the *standard* units (mm, cm, m, inch) are ever inferred. The order's shoe
size and a typed foot length *check* a unit; they never invent an arbitrary factor, because a size range
only a few mm wide would then always "match" and hide a wrong file. So a file in no standard unit ends
"unknown" (review, with both figures and the factor that would fit the size in the explanation) until
staff set the scale (``ScaleOverride``). Without any hint, a unit is resolved only when exactly one unit
gives a typical adult length with confidence (``guess_unit``).
"""

from __future__ import annotations

from .sizes import fits_range, size_range_mm
from .types import (
    PLAUSIBLE_LENGTH_MM,
    UNIT_SCALES_TO_MM,
    ScaleOverride,
    ScaleResolution,
    SizeHint,
    UnitGuess,
)
from .units import guess_unit

TYPED_TOLERANCE_MM = 10.0
"""A customer's own tape-measure length is good to about a centimetre."""
UNIT_NAMES = {"mm": "millimetres", "cm": "centimetres", "m": "metres", "inch": "inches"}


def resolve_scale(
    raw_length: float,
    *,
    size_hint: SizeHint | None = None,
    scale_override: ScaleOverride | None = None,
) -> tuple[ScaleResolution, UnitGuess]:
    """The scale decision for a foot ``raw_length`` file units long, and the matching unit step.

    The returned ``UnitGuess`` always agrees with the ``ScaleResolution`` (same unit, factor and
    confidence), so no page can say "unit unclear" and "inch (100 % sure)" about one file.
    """
    hint = size_hint or SizeHint()
    window = size_range_mm(hint.system, hint.size)
    typed = hint.foot_length_mm or None
    prior = guess_unit(raw_length)
    if scale_override is not None and (scale_override.unit or scale_override.foot_length_mm):
        return _override(raw_length, scale_override, window, typed, prior)

    constraints: list[tuple[str, tuple[float, float]]] = []
    if window is not None:
        constraints.append((hint.label(), window))
    if typed:
        constraints.append(
            (f"the typed {typed:.0f} mm", (typed - TYPED_TOLERANCE_MM, typed + TYPED_TOLERANCE_MM))
        )
    if constraints:
        fitting = [
            unit
            for unit, factor in UNIT_SCALES_TO_MM.items()
            if all(fits_range(raw_length * factor, span) for _, span in constraints)
        ]
        if len(fitting) == 1:
            unit = fitting[0]
            length = raw_length * UNIT_SCALES_TO_MM[unit]
            exact = all(span[0] <= length <= span[1] for _, span in constraints)
            confidence = 0.97 if exact else 0.85
            where = "inside" if exact else "close to"
            explanation = (
                f"Length {length:.0f} mm in {UNIT_NAMES[unit]} is {where} "
                f"{_describe(constraints)}; no other standard unit fits: unit {unit}."
            )
            return _result("resolved", unit, confidence, window, typed, explanation, prior)
        best = _best_guess(raw_length, prior, constraints)
        length = raw_length * UNIT_SCALES_TO_MM[best] if best else raw_length
        named = f"{length:.0f} mm in {UNIT_NAMES[best]}" if best else f"{raw_length:.4g} units"
        centre = 0.5 * (constraints[0][1][0] + constraints[0][1][1])
        explanation = (
            f"Length {named} is outside {_describe(constraints)}; no standard unit fits: scale "
            f"unknown (the size would need a factor of {centre / raw_length:.4g} mm per unit)."
        )
        return _result("unknown", best, 0.0, window, typed, explanation, prior)

    if prior is not None and not prior.needs_review:
        length = raw_length * prior.scale_to_mm
        explanation = (
            f"Length {length:.0f} mm in {UNIT_NAMES[prior.unit]} is a typical foot and no other "
            f"standard unit is (no shoe size to check it against): unit {prior.unit}."
        )
        return _result(
            "resolved", prior.unit, prior.confidence, None, None, explanation, prior, prior
        )
    best = prior.unit if prior is not None else None
    if best is None:
        explanation = (
            f"Length {raw_length:.4g} units is not a foot in millimetres, centimetres, metres or "
            "inches and there is no shoe size to check it against: scale unknown."
        )
    else:
        options = [
            f"{raw_length * UNIT_SCALES_TO_MM[u]:.0f} mm in {UNIT_NAMES[u]}"
            for u, score in prior.scores.items()
            if score > 0
        ]
        explanation = (
            f"Length {raw_length:.4g} units could be {' or '.join(options)} and there is no shoe "
            "size to tell them apart: scale unknown."
        )
    return _result("unknown", best, 0.0, None, None, explanation, prior)


def _describe(constraints: list[tuple[str, tuple[float, float]]]) -> str:
    parts = [f"{label} ({span[0]:.0f}–{span[1]:.0f} mm)" for label, span in constraints]
    return " and ".join(parts)


def _best_guess(
    raw_length: float,
    prior: UnitGuess | None,
    constraints: list[tuple[str, tuple[float, float]]],
) -> str | None:
    """The standard unit nearest (in ratio) to the hint among plausible ones; None when none is."""
    low, high = PLAUSIBLE_LENGTH_MM
    centre = 0.5 * (constraints[0][1][0] + constraints[0][1][1])
    plausible = [
        unit for unit, factor in UNIT_SCALES_TO_MM.items() if low <= raw_length * factor <= high
    ]
    if not plausible:
        return None
    return min(plausible, key=lambda u: abs(_log_ratio(raw_length * UNIT_SCALES_TO_MM[u], centre)))


def _log_ratio(a: float, b: float) -> float:
    import math

    return math.log(max(a, 1e-12) / max(b, 1e-12))


def _override(
    raw_length: float,
    override: ScaleOverride,
    window: tuple[float, float] | None,
    typed: float | None,
    prior: UnitGuess | None,
) -> tuple[ScaleResolution, UnitGuess]:
    if override.foot_length_mm:
        factor = float(override.foot_length_mm) / raw_length
        explanation = (
            f"Staff set the scale so the foot is {override.foot_length_mm:.0f} mm long "
            f"({factor:.4g} mm per file unit)."
        )
        resolution = ScaleResolution(
            status="set_by_staff",
            unit=None,
            scale_to_mm=factor,
            confidence=1.0,
            size_range_mm=window,
            typed_length_mm=typed,
            explanation=explanation,
        )
        unit = UnitGuess("custom", factor, 1.0, dict(prior.scores) if prior else {}, False)
        return resolution, unit
    unit = override.unit
    if unit not in UNIT_SCALES_TO_MM:
        raise ValueError(f"Unknown unit {unit!r}; use one of {', '.join(UNIT_SCALES_TO_MM)}")
    length = raw_length * UNIT_SCALES_TO_MM[unit]
    explanation = f"Staff set the unit to {UNIT_NAMES[unit]}: the foot is {length:.0f} mm long."
    return _result("set_by_staff", unit, 1.0, window, typed, explanation, prior)


def _result(
    status: str,
    unit: str | None,
    confidence: float,
    window: tuple[float, float] | None,
    typed: float | None,
    explanation: str,
    prior: UnitGuess | None,
    guess: UnitGuess | None = None,
) -> tuple[ScaleResolution, UnitGuess]:
    factor = UNIT_SCALES_TO_MM[unit] if unit else 1.0
    resolution = ScaleResolution(
        status=status,
        unit=unit if status != "unknown" else None,
        scale_to_mm=factor,
        confidence=round(confidence, 3),
        size_range_mm=window,
        typed_length_mm=typed,
        explanation=explanation,
    )
    scores = dict(prior.scores) if prior is not None else {}
    step = guess or UnitGuess(
        unit=unit if status != "unknown" and unit else "unknown",
        scale_to_mm=factor,
        confidence=round(confidence, 3),
        scores=scores,
        needs_review=status == "unknown",
    )
    return resolution, step
