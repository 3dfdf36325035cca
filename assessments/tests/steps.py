"""The question steps answered as a visitor answers them, for tests across the suite.

STEP_DATA is per step (a foot's five items together, as they are stored); `page_data` splits
it into the pages that ask it (one page per foot item)."""

from django.urls import reverse

from assessments import questions, scoring

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


def page_data() -> dict:
    """{page slug: what that page posts}, in order."""
    pages = {}
    for page in questions.PAGES:
        data = STEP_DATA[page.step.slug]
        pages[page.slug] = {page.item.code: data[page.item.code]} if page.item else data
    return pages


def answer_step(client, slug, data=None):
    """Answer one step: a foot step is posted page by page. Returns the last response."""
    data = STEP_DATA[slug] if data is None else data
    step = questions.STEP_BY_SLUG[slug]
    if step.key not in questions.POSTURE_KEYS:
        return client.post(url(slug), data)
    response = None
    for page in questions.PAGES:
        if page.step == step and page.item.code in data:
            response = client.post(url(page.slug), {page.item.code: data[page.item.code]})
    return response


def answer_all(client, until=None):
    for slug in STEP_DATA:
        if slug == until:
            return
        response = answer_step(client, slug)
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
