"""Suggested prescription values from an assessment: a pure function (no database, no Django
models), so the rules are tested on their own and the clinician confirms or changes each value.

Reads the stored scoring result (`assessments.scoring`: per-foot posture band and score, foot type)
and the answers (activity, shoes, pain areas and symptoms). Orders without an assessment get the
product's defaults (its slug says sport, dress or everyday).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FUNCTIONAL, ACCOMMODATIVE, SPORTS, DRESS = "functional", "accommodative", "sports", "dress"

# Posture bands of the scoring models (v1 and v2 share these names).
HIGHLY_PRONATED, PRONATED = "highly_pronated", "pronated"
SUPINATED, HIGHLY_SUPINATED = "supinated", "highly_supinated"

# Degrees of rearfoot post per posture band: + varus (medial), − valgus (lateral).
REARFOOT_POST_BY_BAND = {HIGHLY_PRONATED: 6, PRONATED: 4, SUPINATED: -2, HIGHLY_SUPINATED: -3}
HEEL_CUP_MM = {FUNCTIONAL: 16, ACCOMMODATIVE: 15, SPORTS: 16, DRESS: 12}
DEEP_HEEL_CUP_MM = 20  # a highly pronated foot is held by a deeper cup (not in dress shoes)
SHELL = {
    FUNCTIONAL: ("polypropylene", "semi_rigid"),
    ACCOMMODATIVE: ("eva", "flexible"),
    SPORTS: ("carbon_composite", "semi_rigid"),
    DRESS: ("carbon_composite", "semi_rigid"),
}
TOP_COVER = {FUNCTIONAL: "eva", ACCOMMODATIVE: "poron", SPORTS: "neoprene", DRESS: "leather"}
EXTENSION = {FUNCTIONAL: "none", ACCOMMODATIVE: "full_length", SPORTS: "sulcus", DRESS: "none"}
HEEL_PAIN_LIFT_MM = 3


@dataclass(frozen=True)
class Suggestion:
    """Field values for the prescription form and, for the clinician, why each was suggested."""

    values: dict[str, object]
    reasons: list[str] = field(default_factory=list)


def _band(result: dict, side: str) -> str:
    foot = result.get(side) or {}
    return str(foot.get("band") or foot.get("posture_band") or "")


def device_type_for(*, result: dict, answers: dict, product_slug: str = "") -> tuple[str, str]:
    """The device type and the reason: sport or slim shoes first (how they live), then a rigid
    high-arched foot (cushion it), else a functional device."""
    activity = answers.get("activity") or {}
    bands = {_band(result, "left"), _band(result, "right")}
    if activity.get("impact") == "three_plus" or activity.get("recent_training_jump") == "yes":
        return SPORTS, "impact sport 3+ times a week or a recent training jump"
    if activity.get("shoes") == "slim":
        return DRESS, "slim or smart shoes most days"
    if bands & {SUPINATED, HIGHLY_SUPINATED} and not bands & {PRONATED, HIGHLY_PRONATED}:
        return ACCOMMODATIVE, "high-arched (supinated) feet: cushion rather than control"
    if "sport" in product_slug:
        return SPORTS, "the customer ordered the sport orthotic"
    if "dress" in product_slug:
        return DRESS, "the customer ordered the dress orthotic"
    return FUNCTIONAL, "everyday shoes: a functional device"


def suggest(*, result: dict | None, answers: dict | None, product_slug: str = "") -> Suggestion:
    """Suggested prescription values. `result` is the assessment's stored scoring result (or
    None: no assessment), `answers` its answers."""
    result = result or {}
    answers = answers or {}
    device, why = device_type_for(result=result, answers=answers, product_slug=product_slug)
    reasons = [f"Device: {device} ({why})."]
    material, rigidity = SHELL[device]
    bands = {side: _band(result, side) for side in ("left", "right")}
    if device == FUNCTIONAL and HIGHLY_PRONATED in bands.values():
        rigidity = "rigid"
        reasons.append("Shell: rigid, a highly pronated foot needs control.")
    posts = {}
    for side, band in bands.items():
        degrees = REARFOOT_POST_BY_BAND.get(band, 0)
        if device == ACCOMMODATIVE:
            degrees = 0  # an accommodative device is not posted to control motion
        if device == DRESS:
            degrees = max(min(degrees, 4), -2)  # little room in a slim shoe
        posts[side] = degrees
        if degrees:
            reasons.append(f"Rearfoot post {side}: {degrees:+d}° ({band.replace('_', ' ')}).")
    heel_cup = HEEL_CUP_MM[device]
    if HIGHLY_PRONATED in bands.values() and device != DRESS:
        heel_cup = DEEP_HEEL_CUP_MM
        reasons.append(f"Heel cup: {heel_cup} mm, deeper for a highly pronated foot.")
    arch = 2 if device == ACCOMMODATIVE else 0
    if arch:
        reasons.append("Arch: raised 2 mm to spread load under a high arch.")
    pain = answers.get("pain") or {}
    areas, symptoms = set(pain.get("areas") or []), set(pain.get("symptoms") or [])
    heel_lift = 0
    if "heel" in areas or "first_step_heel_pain" in symptoms:
        heel_lift = HEEL_PAIN_LIFT_MM
        reasons.append(f"Heel lift: {heel_lift} mm for heel pain.")
    metatarsal_pad = "arch" in areas and device != DRESS
    if metatarsal_pad:
        reasons.append("Metatarsal pad: pain under the sole.")
    values = {
        "device_type": device,
        "shell_material": material,
        "shell_rigidity": rigidity,
        "rearfoot_post_left": posts["left"],
        "rearfoot_post_right": posts["right"],
        "forefoot_post_left": 0,
        "forefoot_post_right": 0,
        "heel_cup_depth_mm": heel_cup,
        "arch_height_adjustment_mm": arch,
        "top_cover": TOP_COVER[device],
        "extension": EXTENSION[device],
        "metatarsal_pad": metatarsal_pad,
        "heel_lift_mm": heel_lift,
        "notes": "",
    }
    if not result:
        reasons.append("No assessment: the product's defaults, without posts.")
    return Suggestion(values=values, reasons=reasons)
