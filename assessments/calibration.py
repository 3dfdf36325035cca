"""Calibration: how self-scores compare with clinicians' FPI ratings, for tuning the thresholds.

Pure functions, no Django (the selector `selectors.calibration_records` loads the data). See the
reference, "Calibration": per model version and per foot, the quadratic weighted kappa of self vs
clinician posture bands, the signed mean difference (self minus clinician) with Bland-Altman 95%
limits of agreement, per-item agreement for FPI items 2-6, a scatter of the totals, and what moves
if a band edge shifts by one point. A person's two feet are not independent observations, so every
figure is also given per person (each rater's higher-scoring foot, as the result band uses).

Bands always come from the scoring model (`scoring.posture_band_for`), never restated here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from . import scoring

LIMITS_Z = 1.96  # Bland-Altman 95% limits of agreement: mean difference +- 1.96 SD
ITEM_VALUES = tuple(range(scoring.ITEM_MIN, scoring.ITEM_MAX + 1))
V2 = "2"

UNIT_FEET = "feet"
UNIT_LEFT = "left"
UNIT_RIGHT = "right"
UNIT_PEOPLE = "people"
UNITS = (UNIT_FEET, UNIT_LEFT, UNIT_RIGHT, UNIT_PEOPLE)

Items = dict[str, int | None]


@dataclass(frozen=True)
class Reviewed:
    """One reviewed assessment as calibration needs it: self-scores and answers, and the latest
    review's FPI items 2-6 per foot."""

    assessment_id: int
    model_version: str
    band: str
    decision: str
    self_scores: dict[str, float | None]  # "left"/"right" -> stored self-score
    self_items: dict[str, Items]  # "left"/"right" -> item -> -2..+2 or None ("I can't tell")
    clinician_items: dict[str, Items]


@dataclass(frozen=True)
class Pair:
    """One foot (or one person's higher-scoring feet) rated by both, on the -10..+10 scale."""

    assessment_id: int
    side: str  # "left", "right", or "" for a person
    self_score: float
    clinician_score: float
    self_band: str
    clinician_band: str

    @property
    def difference(self) -> float:
        return self.self_score - self.clinician_score


def clinician_score(items: Items, *, version: str) -> float | None:
    """The clinician's items 2-6 rescaled exactly like that version's self-score: v1 rounds
    (`scoring.foot_score`), v2 compares the unrounded rescaled total."""
    if version == V2:
        return scoring.foot_result_v2("clinician", items).score
    return scoring.foot_score("clinician", items).score


def bands_of(version: str) -> tuple[str, ...]:
    return scoring.POSTURE_BANDS_V2 if version == V2 else scoring.POSTURE_BANDS


def band_of(score: float, *, version: str) -> str:
    return scoring.posture_band_for(score, version=version)


def foot_pairs(records: Iterable[Reviewed], *, version: str) -> list[Pair]:
    """Every foot with a self-score and a clinician rating (3+ items each)."""
    pairs = []
    for record in records:
        for side in ("left", "right"):
            own = record.self_scores.get(side)
            theirs = clinician_score(record.clinician_items.get(side, {}), version=version)
            if own is None or theirs is None:
                continue
            pairs.append(
                Pair(
                    record.assessment_id,
                    side,
                    float(own),
                    float(theirs),
                    band_of(own, version=version),
                    band_of(theirs, version=version),
                )
            )
    return pairs


def person_pairs(pairs: Iterable[Pair], *, version: str) -> list[Pair]:
    """One pair per person: each rater's higher-scoring foot among the feet both rated."""
    by_person: dict[int, list[Pair]] = {}
    for pair in pairs:
        by_person.setdefault(pair.assessment_id, []).append(pair)
    people = []
    for assessment_id, feet in by_person.items():
        own = max(foot.self_score for foot in feet)
        theirs = max(foot.clinician_score for foot in feet)
        people.append(
            Pair(
                assessment_id,
                "",
                own,
                theirs,
                band_of(own, version=version),
                band_of(theirs, version=version),
            )
        )
    return people


# --- Agreement statistics ----------------------------------------------------------------------


def quadratic_kappa(
    first: Sequence[object], second: Sequence[object], categories: Sequence[object]
) -> float | None:
    """Cohen's kappa with quadratic weights over ordered `categories`.

    1 - sum(w * observed) / sum(w * expected), w = (i - j)^2: disagreements far apart on the
    scale cost more. None when it is undefined (no pairs, or no disagreement is possible because
    both raters used one and the same category throughout).
    """
    if len(first) != len(second):
        raise ValueError("both raters must rate the same items")
    index = {category: position for position, category in enumerate(categories)}
    size, count = len(categories), len(first)
    if not count:
        return None
    observed = [[0] * size for _ in range(size)]
    for a, b in zip(first, second, strict=True):
        observed[index[a]][index[b]] += 1
    rows = [sum(row) for row in observed]
    columns = [sum(observed[i][j] for i in range(size)) for j in range(size)]
    weighted_observed = weighted_expected = 0.0
    for i in range(size):
        for j in range(size):
            weight = (i - j) ** 2
            weighted_observed += weight * observed[i][j]
            weighted_expected += weight * rows[i] * columns[j] / count
    if weighted_expected == 0:
        return None
    return 1 - weighted_observed / weighted_expected


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class BlandAltman:
    n: int
    mean_difference: float | None  # the bias: self minus clinician
    sd: float | None  # sample SD of the differences (n - 1)
    lower: float | None  # 95% limits of agreement
    upper: float | None


def bland_altman(first: Sequence[float], second: Sequence[float]) -> BlandAltman:
    """Mean signed difference (first minus second) and the 95% limits of agreement; the SD
    (and so the limits) needs two pairs at least."""
    if len(first) != len(second):
        raise ValueError("both series must have the same length")
    differences = [a - b for a, b in zip(first, second, strict=True)]
    n = len(differences)
    if not n:
        return BlandAltman(0, None, None, None, None)
    mean = sum(differences) / n
    if n < 2:
        return BlandAltman(n, mean, None, None, None)
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    return BlandAltman(n, mean, sd, mean - LIMITS_Z * sd, mean + LIMITS_Z * sd)


@dataclass(frozen=True)
class Agreement:
    """The figures for one unit of analysis (all feet, left, right, or per person)."""

    unit: str
    n: int
    same_band: int
    kappa: float | None
    bland_altman: BlandAltman

    @property
    def same_band_percent(self) -> int | None:
        return _percent(self.same_band, self.n)


def agreement(unit: str, pairs: Sequence[Pair], *, version: str) -> Agreement:
    return Agreement(
        unit=unit,
        n=len(pairs),
        same_band=sum(1 for p in pairs if p.self_band == p.clinician_band),
        kappa=quadratic_kappa(
            [p.self_band for p in pairs], [p.clinician_band for p in pairs], bands_of(version)
        ),
        bland_altman=bland_altman(
            [p.self_score for p in pairs], [p.clinician_score for p in pairs]
        ),
    )


@dataclass(frozen=True)
class ItemAgreement:
    """One FPI item (2-6): the person's picture answer against the clinician's rating."""

    item: str
    fpi_number: int
    n: int
    exact: int
    within_one: int
    mean_difference: float | None  # self minus clinician, -4..+4
    kappa: float | None

    @property
    def exact_percent(self) -> int | None:
        return _percent(self.exact, self.n)

    @property
    def within_one_percent(self) -> int | None:
        return _percent(self.within_one, self.n)


def item_agreement(records: Iterable[Reviewed], feet: Iterable[Pair]) -> list[ItemAgreement]:
    """Per item over the compared feet; an item either side left unscored is left out."""
    records_by_id = {record.assessment_id: record for record in records}
    answers: dict[str, list[tuple[int, int]]] = {item: [] for item in scoring.POSTURE_ITEMS}
    for foot in feet:
        record = records_by_id[foot.assessment_id]
        own = record.self_items.get(foot.side, {})
        theirs = record.clinician_items.get(foot.side, {})
        for item in scoring.POSTURE_ITEMS:
            if own.get(item) is not None and theirs.get(item) is not None:
                answers[item].append((own[item], theirs[item]))
    rows = []
    for number, item in enumerate(scoring.POSTURE_ITEMS, start=2):
        values = answers[item]
        rows.append(
            ItemAgreement(
                item=item,
                fpi_number=number,
                n=len(values),
                exact=sum(1 for a, b in values if a == b),
                within_one=sum(1 for a, b in values if abs(a - b) <= 1),
                mean_difference=(sum(a - b for a, b in values) / len(values)) if values else None,
                kappa=quadratic_kappa([a for a, _ in values], [b for _, b in values], ITEM_VALUES),
            )
        )
    return rows


# --- Threshold shifts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """The edge between two neighbouring bands, at `value` on the -10..+10 scale."""

    index: int
    lower: str
    upper: str
    value: float
    upper_includes_value: bool  # "upper from value" (True) or "upper above value" (False)


def edges_of(version: str) -> tuple[Edge, ...]:
    """v2 names its edges (`scoring.POSTURE_EDGES_V2`); v1's live inside `scoring.posture_band`,
    so they are read off it: the lowest whole score of each band above the first."""
    bands = bands_of(version)
    if version == V2:
        values: Sequence[float] = scoring.POSTURE_EDGES_V2
    else:
        scale = range(-scoring.FOOT_SCALE_MAX, scoring.FOOT_SCALE_MAX + 1)
        values = [
            next(s for s in scale if bands.index(band_of(s, version=version)) > position)
            for position in range(len(bands) - 1)
        ]
    return tuple(
        Edge(
            index,
            bands[index],
            bands[index + 1],
            float(value),
            band_of(value, version=version) == bands[index + 1],
        )
        for index, value in enumerate(values)
    )


def shifted_band(version: str, edge: Edge, delta: int) -> Callable[[float], str]:
    """The band function with one edge moved by `delta` points (+1: the band above shrinks).

    v2 moves the named edge (`scoring.posture_band_v2`). v1's function has no edges to pass, and
    its scores are whole numbers, so the move is made on its own function: a score changes band
    exactly when it sits within one point of the edge on the side the edge moves into.
    """
    if version == V2:
        edges = list(scoring.POSTURE_EDGES_V2)
        edges[edge.index] += delta
        moved = tuple(edges)
        return lambda score: scoring.posture_band_v2(score, moved)

    def band(score: float) -> str:
        now = band_of(score, version=version)
        if delta > 0 and now == edge.upper and band_of(score - delta, version=version) != now:
            return edge.lower
        if delta < 0 and now == edge.lower and band_of(score - delta, version=version) != now:
            return edge.upper
        return now

    return band


@dataclass(frozen=True)
class Shift:
    edge: Edge
    delta: int
    feet_moved: int
    people_moved: int
    moved_from: str  # the band that loses feet
    moved_to: str
    kappa_feet: float | None  # self (shifted) against clinician (unchanged), all feet
    kappa_people: float | None


def shifts(feet: Sequence[Pair], people: Sequence[Pair], *, version: str) -> list[Shift]:
    """For each band edge moved -1 and +1: how many feet and people change band, and the
    kappa against the clinicians' bands (which stay as they are: they are the reference)."""
    bands = bands_of(version)
    rows = []
    for edge in edges_of(version):
        for delta in (-1, 1):
            band = shifted_band(version, edge, delta)

            def moved(pairs: Sequence[Pair], band=band) -> tuple[int, float | None]:
                new = [band(p.self_score) for p in pairs]
                changed = sum(1 for p, b in zip(pairs, new, strict=True) if b != p.self_band)
                kappa = quadratic_kappa(new, [p.clinician_band for p in pairs], bands)
                return changed, kappa

            feet_moved, kappa_feet = moved(feet)
            people_moved, kappa_people = moved(people)
            rows.append(
                Shift(
                    edge=edge,
                    delta=delta,
                    feet_moved=feet_moved,
                    people_moved=people_moved,
                    moved_from=edge.lower if delta < 0 else edge.upper,
                    moved_to=edge.upper if delta < 0 else edge.lower,
                    kappa_feet=kappa_feet,
                    kappa_people=kappa_people,
                )
            )
    return rows


# --- Scatter (drawn as inline SVG by the template) ---------------------------------------------

PLOT_SIZE = 320  # px, the square plotting area
PLOT_MARGIN = 40
TICKS = (-10, -5, 0, 5, 10)


@dataclass(frozen=True)
class Point:
    self_score: float
    clinician_score: float
    count: int
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Scatter:
    points: list[Point]
    size: int = PLOT_SIZE + 2 * PLOT_MARGIN
    plot: int = PLOT_SIZE
    low: float = PLOT_MARGIN
    high: float = PLOT_MARGIN + PLOT_SIZE
    ticks: list[tuple[int, float, float]] = field(default_factory=list)  # (value, x, y)

    @property
    def middle(self) -> float:
        return self.size / 2


def _x(score: float) -> float:
    """-10..+10 onto the plot, left to right."""
    span = 2 * scoring.FOOT_SCALE_MAX
    return round(PLOT_MARGIN + (score + scoring.FOOT_SCALE_MAX) / span * PLOT_SIZE, 1)


def _y(score: float) -> float:
    """-10..+10 onto the plot, bottom to top (SVG's y grows downwards)."""
    return round(2 * PLOT_MARGIN + PLOT_SIZE - _x(score), 1)


def scatter(pairs: Iterable[Pair]) -> Scatter:
    """Self (x) against clinician (y); feet at the same spot are one dot, larger with the count."""
    counts = Counter((round(p.self_score, 1), round(p.clinician_score, 1)) for p in pairs)
    points = [
        Point(
            self_score=own,
            clinician_score=theirs,
            count=count,
            x=_x(own),
            y=_y(theirs),
            r=round(3 + 2 * math.sqrt(count - 1), 1),
        )
        for (own, theirs), count in sorted(counts.items())
    ]
    return Scatter(points=points, ticks=[(value, _x(value), _y(value)) for value in TICKS])


# --- Everything for one model version ------------------------------------------------------------


@dataclass(frozen=True)
class VersionFigures:
    version: str
    reviewed: int
    bands: tuple[str, ...]
    agreements: list[Agreement]
    confusion: list[tuple[str, list[int]]]  # self band -> counts per clinician band (feet)
    items: list[ItemAgreement]
    shifts: list[Shift]
    scatter: Scatter
    decisions: dict[str, dict[str, int]]  # result band -> decision -> count


def figures(records: Sequence[Reviewed], *, version: str) -> VersionFigures:
    """All calibration figures for the reviewed assessments of one model version."""
    records = [record for record in records if record.model_version == version]
    feet = foot_pairs(records, version=version)
    people = person_pairs(feet, version=version)
    bands = bands_of(version)
    units = {
        UNIT_FEET: feet,
        UNIT_LEFT: [p for p in feet if p.side == "left"],
        UNIT_RIGHT: [p for p in feet if p.side == "right"],
        UNIT_PEOPLE: people,
    }
    cells = Counter((p.self_band, p.clinician_band) for p in feet)
    decisions: dict[str, Counter] = {}
    for record in records:
        decisions.setdefault(record.band or "referred", Counter())[record.decision] += 1
    return VersionFigures(
        version=version,
        reviewed=len(records),
        bands=bands,
        agreements=[agreement(unit, units[unit], version=version) for unit in UNITS],
        confusion=[(own, [cells[(own, theirs)] for theirs in bands]) for own in bands],
        items=item_agreement(records, feet),
        shifts=shifts(feet, people, version=version),
        scatter=scatter(feet),
        decisions={band: dict(counter) for band, counter in decisions.items()},
    )
