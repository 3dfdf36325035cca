"""Model version 1, kept exactly as it scored: its results stay explained by it."""

from __future__ import annotations

from .base import (
    ASYMMETRY_THRESHOLD,
    BAND_HIGH,
    BAND_LOW,
    BAND_MODERATE,
    BAND_NOT_ENOUGH_INFORMATION,
    MATCHING_SYMPTOMS,
    MODEL_VERSION_V1,
    POSTURE_ITEMS,
    URGENT_RED_FLAGS,
    Answers,
    Driver,
    FootScore,
    Result,
    foot_score,
    load_factors,
    red_flags_for,
)


def result_band(posture: int, load: int, matching_symptom: bool) -> str:
    """v1 bands from the higher-scoring foot's A, the load score B and symptom fit."""
    loaded = load >= 2 and matching_symptom
    if posture >= 8 or (posture >= 5 and loaded):
        return BAND_HIGH
    if 5 <= posture <= 7 or (posture <= 4 and loaded):
        return BAND_MODERATE
    return BAND_LOW


def score(answers: Answers) -> Result:
    """Score one set of answers. Red flags first; then per-foot posture, load and the band."""
    flags = red_flags_for(answers)
    if flags:
        return Result(
            model_version=MODEL_VERSION_V1,
            red_flags=flags,
            urgent=bool(URGENT_RED_FLAGS & set(flags)),
            band=None,
            left=None,
            right=None,
            scoring_foot="",
            posture_score=None,
            difference=None,
            asymmetry=False,
            load_score=None,
            load_factors=(),
            matching_symptoms=(),
            drivers=(),
        )
    left = foot_score("left", answers.left)
    right = foot_score("right", answers.right)
    factors = load_factors(answers)
    load = sum(points for _, points in factors)
    symptoms = tuple(code for code in MATCHING_SYMPTOMS if code in answers.symptoms)
    scored = [foot for foot in (left, right) if foot.score is not None]
    difference = (
        abs(left.score - right.score)
        if left.score is not None and right.score is not None
        else None
    )
    if not scored:
        band = BAND_NOT_ENOUGH_INFORMATION
        scoring = None
    else:
        # The higher-scoring foot decides; ties go to the left for a stable explanation.
        scoring = max(scored, key=lambda foot: (foot.score, foot.side == "left"))
        band = result_band(scoring.score, load, bool(symptoms))
    drivers: list[Driver] = []
    if scoring is not None:
        items = answers.left if scoring.side == "left" else answers.right
        scale = len(POSTURE_ITEMS) / scoring.answered
        for item in POSTURE_ITEMS:
            value = items.get(item)
            if value:
                drivers.append(Driver("posture", item, scoring.side, round(value * scale, 2)))
        drivers.sort(key=lambda driver: -abs(driver.points))
    drivers.extend(Driver("load", code, "", points) for code, points in factors)
    return Result(
        model_version=MODEL_VERSION_V1,
        red_flags=(),
        urgent=False,
        band=band,
        left=left,
        right=right,
        scoring_foot=scoring.side if scoring else "",
        posture_score=scoring.score if scoring else None,
        difference=difference,
        asymmetry=difference is not None and difference > ASYMMETRY_THRESHOLD,
        load_score=load,
        load_factors=factors,
        matching_symptoms=symptoms,
        drivers=tuple(drivers),
    )


def result_to_dict(result: Result) -> dict:
    """A JSON-ready snapshot of a result, stored beside the answers for explainability."""

    def foot(value: FootScore | None) -> dict | None:
        if value is None:
            return None
        return {
            "side": value.side,
            "score": value.score,
            "answered": value.answered,
            "raw_total": value.raw_total,
            "posture_band": value.posture_band,
        }

    return {
        "model_version": result.model_version,
        "red_flags": list(result.red_flags),
        "urgent": result.urgent,
        "band": result.band,
        "left": foot(result.left),
        "right": foot(result.right),
        "scoring_foot": result.scoring_foot,
        "posture_score": result.posture_score,
        "difference": result.difference,
        "asymmetry": result.asymmetry,
        "load_score": result.load_score,
        "load_factors": [[code, points] for code, points in result.load_factors],
        "matching_symptoms": list(result.matching_symptoms),
        "drivers": [
            {"kind": d.kind, "code": d.code, "side": d.side, "points": d.points}
            for d in result.drivers
        ],
    }
