"""The question steps answered as a visitor answers them, for tests across the suite."""

from django.urls import reverse

from assessments import scoring

STEP_DATA = {
    "about-you": {"age": "40", "sex": "female", "height_cm": "165", "weight_kg": "60"},
    "your-pain": {"areas": ["hip"], "duration": "3_to_12_months", "pain_score": "6"},
    "health-check": {"flags": ["none"]},
    "left-foot": dict.fromkeys(scoring.POSTURE_ITEMS, "2"),
    "right-foot": {**dict.fromkeys(scoring.POSTURE_ITEMS, "1"), "heel_tilt": "cant_tell"},
    "activity": {
        "impact": "three_plus",
        "recent_training_jump": "no",
        "previous_overuse_injury": "yes",
        "hypermobility": "no",
        "previous_orthoses": "no",
        "shoes": "trainers",
    },
    "photos": {},
}


def url(slug, change=False):
    return reverse("assessments:step", kwargs={"slug": slug}) + ("?change=1" if change else "")


def answer_all(client, until=None):
    for slug, data in STEP_DATA.items():
        if slug == until:
            return
        response = client.post(url(slug), data)
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
