"""Calibration (assessments.calibration and /clinic/calibration/): weighted kappa checked against
scikit-learn, Bland-Altman against numpy, per person beside per foot, per-item agreement, what moves
when a band edge shifts, and the page itself (clinicians only, SVG with its table, version filter)."""

import numpy as np
import pytest
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score

from assessments import calibration, scoring, selectors, services
from assessments.tests.factories import UserFactory, clinician, submitted

pytestmark = pytest.mark.django_db

ITEMS = scoring.POSTURE_ITEMS
URL = reverse("assessments:clinic_calibration")


def record(assessment_id, left, right, *, version="1", clinician_items=None, self_items=None):
    """A reviewed assessment with self-scores `left`/`right` and clinician item ratings."""
    return calibration.Reviewed(
        assessment_id=assessment_id,
        model_version=version,
        band="low",
        decision="approved",
        self_scores={"left": left, "right": right},
        self_items=self_items or {"left": {}, "right": {}},
        clinician_items=clinician_items or {"left": {}, "right": {}},
    )


def items_totalling(total: int) -> dict:
    """Five clinician item ratings (-2..+2) adding up to `total` (-10..+10)."""
    values, left = [], total
    for _ in ITEMS:
        value = max(-2, min(2, left))
        values.append(value)
        left -= value
    assert left == 0
    return dict(zip(ITEMS, values, strict=True))


def rated(assessment_id, self_left, self_right, clinician_left, clinician_right, version="1"):
    return record(
        assessment_id,
        self_left,
        self_right,
        version=version,
        clinician_items={
            "left": items_totalling(clinician_left),
            "right": items_totalling(clinician_right),
        },
    )


def sklearn_kappa(pairs, version="1"):
    return cohen_kappa_score(
        [p.self_band for p in pairs],
        [p.clinician_band for p in pairs],
        labels=list(calibration.bands_of(version)),
        weights="quadratic",
    )


def unit(figures, name):
    return next(row for row in figures.agreements if row.unit == name)


# --- Kappa and Bland-Altman on data where they tell a different story from "% same band" ------


def test_a_clinician_always_three_points_below_shows_as_bias_with_no_spread():
    selfs = [(8, 7), (5, 6), (4, 9), (10, 8), (6, 5), (7, 7)]
    records = [rated(n, a, b, a - 3, b - 3) for n, (a, b) in enumerate(selfs, start=1)]
    figures = calibration.figures(records, version="1")
    feet = unit(figures, calibration.UNIT_FEET)
    assert feet.n == 12
    pairs = calibration.foot_pairs(records, version="1")
    assert feet.kappa == pytest.approx(sklearn_kappa(pairs))
    # Every difference is +3: the bias is exact and the limits collapse onto it.
    assert feet.bland_altman.mean_difference == pytest.approx(3)
    assert feet.bland_altman.sd == pytest.approx(0)
    assert feet.bland_altman.lower == pytest.approx(3) and feet.bland_altman.upper == pytest.approx(
        3
    )
    # Bands rarely agree although the ranking is perfect: kappa sees the order, % does not.
    assert feet.same_band_percent < 50
    assert feet.kappa > 0


def test_ninety_percent_agreement_can_be_kappa_zero():
    """All feet typical by self; the clinician finds the one pronated foot: 90% "agreement",
    and yet the self-score tells the clinician nothing (kappa 0)."""
    records = [rated(n, 2, None, 2, 0) for n in range(1, 10)] + [rated(10, 2, None, 6, 0)]
    figures = calibration.figures(records, version="1")
    feet = unit(figures, calibration.UNIT_FEET)
    assert feet.n == 10
    assert feet.same_band_percent == 90
    assert feet.kappa == pytest.approx(0)
    assert sklearn_kappa(calibration.foot_pairs(records, version="1")) == pytest.approx(0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kappa_matches_scikit_learn_on_mixed_data(seed):
    rng = np.random.default_rng(seed)
    clinician_totals = rng.integers(-6, 11, size=(40, 2))
    noise = rng.integers(-3, 4, size=(40, 2))
    self_totals = np.clip(clinician_totals + noise, -10, 10)
    records = [
        rated(n, int(s[0]), int(s[1]), int(c[0]), int(c[1]))
        for n, (s, c) in enumerate(zip(self_totals, clinician_totals, strict=True), start=1)
    ]
    figures = calibration.figures(records, version="1")
    feet = calibration.foot_pairs(records, version="1")
    people = calibration.person_pairs(feet, version="1")
    assert unit(figures, calibration.UNIT_FEET).kappa == pytest.approx(sklearn_kappa(feet))
    assert unit(figures, calibration.UNIT_PEOPLE).kappa == pytest.approx(sklearn_kappa(people))


def test_kappa_uses_the_distance_between_bands_even_for_bands_nobody_used():
    # typical vs highly pronated is three bands apart; without `labels` sklearn would call it one.
    first = ["typical", "highly_pronated", "typical", "highly_pronated"]
    second = ["typical", "typical", "highly_pronated", "highly_pronated"]
    ours = calibration.quadratic_kappa(first, second, scoring.POSTURE_BANDS)
    theirs = cohen_kappa_score(
        first, second, labels=list(scoring.POSTURE_BANDS), weights="quadratic"
    )
    assert ours == pytest.approx(theirs)


def test_kappa_is_undefined_without_any_possible_disagreement():
    assert calibration.quadratic_kappa([], [], scoring.POSTURE_BANDS) is None
    same = ["typical"] * 4
    assert calibration.quadratic_kappa(same, same, scoring.POSTURE_BANDS) is None


def test_bland_altman_matches_numpy():
    own = [5.0, 7.5, 2.0, -1.0, 8.0, 6.0]
    theirs = [4.0, 5.0, 3.0, 0.0, 6.0, 6.0]
    figures = calibration.bland_altman(own, theirs)
    differences = np.array(own) - np.array(theirs)
    assert figures.n == 6
    assert figures.mean_difference == pytest.approx(differences.mean())
    assert figures.sd == pytest.approx(differences.std(ddof=1))
    assert figures.lower == pytest.approx(differences.mean() - 1.96 * differences.std(ddof=1))
    assert figures.upper == pytest.approx(differences.mean() + 1.96 * differences.std(ddof=1))


def test_bland_altman_needs_two_pairs_for_limits():
    assert calibration.bland_altman([], []).mean_difference is None
    one = calibration.bland_altman([3.0], [1.0])
    assert one.mean_difference == 2 and one.lower is None and one.upper is None


# --- Per person, per item, versions -----------------------------------------------------------


def test_a_person_counts_once_with_each_raters_higher_scoring_foot():
    records = [rated(1, 8, 2, 3, 5), rated(2, 1, None, 1, 9)]
    feet = calibration.foot_pairs(records, version="1")
    assert len(feet) == 3  # the second person's right foot has no self-score
    people = calibration.person_pairs(feet, version="1")
    assert [(p.assessment_id, p.self_score, p.clinician_score) for p in people] == [
        (1, 8, 5),
        (2, 1, 1),
    ]
    figures = calibration.figures(records, version="1")
    assert unit(figures, calibration.UNIT_PEOPLE).n == 2
    assert unit(figures, calibration.UNIT_LEFT).n == 2
    assert unit(figures, calibration.UNIT_RIGHT).n == 1


def test_clinician_ratings_are_rescaled_like_the_self_score_of_that_version():
    four_items = {"heel_tilt": 2, "arch_height": 2, "midfoot_bulge": 1, "ankle_curves": 1}
    assert calibration.clinician_score(four_items, version="1") == 8  # 6 x 5/4 = 7.5, rounded
    assert calibration.clinician_score(four_items, version="2") == 7.5  # unrounded in v2
    assert calibration.clinician_score({"heel_tilt": 2}, version="1") is None  # < 3 items
    assert calibration.band_of(7.5, version="2") == scoring.POSTURE_PRONATED


def test_item_agreement_compares_each_picture_answer_with_the_clinicians_item():
    self_items = {"left": {item: 1 for item in ITEMS}, "right": {}}
    self_items["left"]["toes_from_behind"] = None  # "I can't tell"
    theirs = {"ankle_curves": 1, "heel_tilt": 0, "midfoot_bulge": -1, "arch_height": 1}
    theirs["toes_from_behind"] = 2
    records = [
        record(1, 4, None, self_items=self_items, clinician_items={"left": theirs, "right": {}})
    ]
    rows = {row.item: row for row in calibration.figures(records, version="1").items}
    assert [row.fpi_number for row in rows.values()] == [2, 3, 4, 5, 6]
    assert (rows["ankle_curves"].n, rows["ankle_curves"].exact) == (1, 1)
    assert (rows["heel_tilt"].exact, rows["heel_tilt"].within_one) == (0, 1)
    assert (rows["midfoot_bulge"].within_one, rows["midfoot_bulge"].mean_difference) == (0, 2)
    assert rows["toes_from_behind"].n == 0  # not answered by the person: left out


def test_versions_are_never_mixed():
    records = [rated(1, 5, 5, 5, 5, version="1"), rated(2, 5, 5, 0, 0, version="2")]
    v1 = calibration.figures(records, version="1")
    v2 = calibration.figures(records, version="2")
    assert v1.reviewed == 1 and unit(v1, calibration.UNIT_FEET).same_band == 2
    assert v2.reviewed == 1 and unit(v2, calibration.UNIT_FEET).same_band == 0
    assert v2.bands == scoring.POSTURE_BANDS_V2


# --- Threshold shifts -------------------------------------------------------------------------


def shift(figures, lower, upper, delta):
    return next(
        s for s in figures.shifts if (s.edge.lower, s.edge.upper, s.delta) == (lower, upper, delta)
    )


def test_v1_edges_are_read_off_the_models_band_function():
    edges = calibration.edges_of("1")
    assert [(e.lower, e.upper, e.value, e.upper_includes_value) for e in edges] == [
        ("supinated", "typical", 0, True),
        ("typical", "pronated", 5, True),
        ("pronated", "highly_pronated", 8, True),
    ]
    # v2: supinated bands are "at or below" their edge, the others start at theirs.
    assert [e.upper_includes_value for e in calibration.edges_of("2")] == [False, False, True, True]


def test_v1_shift_counts_the_feet_on_the_edge():
    # Self-scores 4, 5, 5, 7 and 8 (left feet); the clinician rates every foot +5.
    records = [rated(n, score, None, 5, 0) for n, score in enumerate([4, 5, 5, 7, 8], start=1)]
    figures = calibration.figures(records, version="1")
    up = shift(figures, "typical", "pronated", 1)  # pronated from +6: both 5s become typical
    assert (up.feet_moved, up.moved_from, up.moved_to) == (2, "pronated", "typical")
    down = shift(figures, "typical", "pronated", -1)  # pronated from +4: the 4 becomes pronated
    assert (down.feet_moved, down.moved_from, down.moved_to) == (1, "typical", "pronated")
    top = shift(figures, "pronated", "highly_pronated", -1)  # highly from +7
    assert top.feet_moved == 1
    assert shift(figures, "supinated", "typical", 1).feet_moved == 0


def test_v2_shift_moves_the_named_edge_on_unrounded_scores():
    scores = [4.5, 5.0, 7.5, -4.0, -3.5]
    records = [rated(n, s, None, 5, 0, version="2") for n, s in enumerate(scores, start=1)]
    figures = calibration.figures(records, version="2")
    assert shift(figures, "typical", "pronated", 1).feet_moved == 1  # 5.0 drops below 6
    assert shift(figures, "typical", "pronated", -1).feet_moved == 1  # 4.5 reaches 4
    assert shift(figures, "pronated", "highly_pronated", -1).feet_moved == 1  # 7.5 reaches 7
    # Highly supinated at or below -4: moved to -3, -3.5 joins; moved to -5, -4.0 leaves.
    assert shift(figures, "highly_supinated", "supinated", 1).feet_moved == 1
    assert shift(figures, "highly_supinated", "supinated", -1).feet_moved == 1


def test_v1_shift_on_its_own_function_matches_moving_an_edge_by_hand():
    """v1 cannot pass edges to scoring.posture_band; the shifted function must behave as if it
    could, for every whole score."""
    by_hand = {  # v1 bands with each edge moved, written out once for this check only
        (1, 1): lambda s: "typical" if s == 5 else scoring.posture_band(s),
        (1, -1): lambda s: "pronated" if s == 4 else scoring.posture_band(s),
        (0, 1): lambda s: "supinated" if s == 0 else scoring.posture_band(s),
        (2, -1): lambda s: "highly_pronated" if s == 7 else scoring.posture_band(s),
    }
    edges = calibration.edges_of("1")
    for (index, delta), expected in by_hand.items():
        moved = calibration.shifted_band("1", edges[index], delta)
        assert [moved(s) for s in range(-10, 11)] == [expected(s) for s in range(-10, 11)]


# --- Data loading -----------------------------------------------------------------------------


def full_rating(value: int) -> dict:
    return {f"{side}_{item}": value for side in ("left", "right") for item in ITEMS}


def test_selector_uses_the_latest_review_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    reviewer = clinician()
    first = submitted(left="1", right="1")
    services.review_create(
        assessment=first, reviewer=reviewer, decision="approved", fpi=full_rating(0)
    )
    services.review_create(
        assessment=first, reviewer=reviewer, decision="approved", fpi=full_rating(1)
    )
    submitted()  # not reviewed
    with django_assert_num_queries(1):
        records = selectors.calibration_records()
    assert len(records) == 1
    assert records[0].clinician_items["left"] == dict.fromkeys(ITEMS, 1)
    assert records[0].self_items["right"] == dict.fromkeys(ITEMS, 1)
    assert records[0].self_scores == {"left": 5, "right": 5}
    for _ in range(3):
        other = submitted(left="2", right="0")
        services.review_create(
            assessment=other, reviewer=reviewer, decision="approved", fpi=full_rating(2)
        )
    with django_assert_num_queries(1):
        assert len(selectors.calibration_records()) == 4
    with django_assert_num_queries(1):
        assert selectors.calibration_versions() == [scoring.MODEL_VERSION]


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def reviewed_pair():
    """One v1 assessment and one v2, both reviewed."""
    reviewer = clinician()
    v1 = submitted(model_version="1", left="1", right="1")
    services.review_create(
        assessment=v1, reviewer=reviewer, decision="approved", fpi=full_rating(1)
    )
    v2 = submitted(model_version="2", left="2", right="1")
    services.review_create(
        assessment=v2, reviewer=reviewer, decision="approved", fpi=full_rating(0)
    )
    return reviewer


def test_the_page_shows_the_figures_chart_and_its_table_to_clinicians(client, reviewed_pair):
    client.force_login(reviewed_pair)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') == 2  # one chart per version
    assert 'aria-labelledby="scatter-title-1 scatter-desc-1"' in html
    assert '<title id="scatter-title-1">' in html and '<desc id="scatter-desc-1">' in html
    assert 'data-table="scatter-1"' in html and 'data-table="agreement-1"' in html
    assert "<circle" in html
    assert "pronated (rolling in) from +5" in html  # the threshold-shift table names each edge
    assert 'data-table="shifts-2"' in html and 'data-table="items-2"' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    sections = response.context["sections"]
    assert [s["figures"].version for s in sections] == ["2", "1"]


def test_the_version_filter_shows_one_version(client, reviewed_pair):
    client.force_login(reviewed_pair)
    response = client.get(URL, {"version": "1"})
    assert [s["figures"].version for s in response.context["sections"]] == ["1"]
    html = response.content.decode()
    assert 'data-scatter="1"' in html and 'data-scatter="2"' not in html
    assert 'value="1" selected' in html
    unknown = client.get(URL, {"version": "9"})
    assert unknown.status_code == 200
    assert "There is a problem" in unknown.content.decode()
    assert len(unknown.context["sections"]) == 2


def test_the_page_runs_a_fixed_number_of_queries(
    client, reviewed_pair, django_assert_max_num_queries
):
    client.force_login(reviewed_pair)
    with django_assert_max_num_queries(8):
        client.get(URL)
    for _ in range(5):
        more = submitted(left="0", right="1")
        services.review_create(
            assessment=more, reviewer=reviewed_pair, decision="approved", fpi=full_rating(1)
        )
    with django_assert_max_num_queries(8):
        client.get(URL)


def test_the_page_is_for_clinicians_only(client, reviewed_pair):
    assert client.get(URL).url.startswith("/accounts/login/")
    client.force_login(UserFactory(username="customer"))
    assert client.get(URL).status_code == 403
    staff = UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_the_page_says_so_when_nothing_is_reviewed(client):
    client.force_login(clinician())
    html = client.get(URL).content.decode()
    assert "No reviewed assessments yet" in html
