"""Demo topics and articles for `seed_demo`, written by us, each with its own diagram (an SVG in
`static/img/articles/`), a clinical review and published references.

Idempotent: topics and articles are matched by slug; an article gets its picture, review and
references only once, and what staff changed later is left alone.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from . import illustrations, services
from .models import Article, Topic, review_today

TOPICS = [
    ("hip", "Hip", "hip", "How the way your feet meet the ground can load the hip."),
    ("knee", "Knee", "knee", "Knee pain on stairs, when running and after sitting."),
    ("heel-and-arch", "Heel and arch", "heel", "Heel pain, arch pain and flat feet."),
    ("running", "Running", "shin", "Running comfortably: shins, knees and shoes."),
    ("choosing-orthotics", "Choosing orthotics", "", "What custom orthotics are, and are not."),
]

# Fictional clinicians for the demo (no real person's name is attached to our demo text).
PODIATRIST = ("Dr Hannah Okafor", "Consultant podiatrist, HCPC registered")
PHYSIO = ("James Whitfield", "Chartered physiotherapist, MCSP")
REVIEW_INTERVAL = timedelta(days=365)
# Published sources, with DOI links checked against the publishers' records.
REDMOND_2008 = {
    "authors": "Redmond AC, Crane YZ, Menz HB",
    "title": "Normative values for the Foot Posture Index",
    "source": "Journal of Foot and Ankle Research",
    "year": 2008,
    "url": "https://doi.org/10.1186/1757-1146-1-6",
}
MELLOR_2018 = {
    "authors": "Mellor R, Bennell K, Grimaldi A, et al.",
    "title": "Education plus exercise versus corticosteroid injection use versus a wait and see "
    "approach on global outcome and pain from gluteal tendinopathy: prospective, single blinded, "
    "randomised clinical trial",
    "source": "BMJ",
    "year": 2018,
    "url": "https://doi.org/10.1136/bmj.k1662",
}
CAVANAGH_1987 = {
    "authors": "Cavanagh PR, Rodgers MM",
    "title": "The arch index: a useful measure from footprints",
    "source": "Journal of Biomechanics",
    "year": 1987,
    "url": "https://doi.org/10.1016/0021-9290(87)90255-7",
}
GRIMALDI_2015 = {
    "authors": "Grimaldi A, Mellor R, Hodges P, Bennell K, Wajswelner H, Vicenzino B",
    "title": "Gluteal tendinopathy: a review of mechanisms, assessment and management",
    "source": "Sports Medicine",
    "year": 2015,
    "url": "https://doi.org/10.1007/s40279-015-0336-5",
}
NIELSEN_2014 = {
    "authors": "Nielsen RO, Buist I, Parner ET, et al.",
    "title": "Foot pronation is not associated with increased injury risk in novice runners "
    "wearing a neutral shoe: a 1-year prospective cohort study",
    "source": "British Journal of Sports Medicine",
    "year": 2014,
    "url": "https://doi.org/10.1136/bjsports-2013-092202",
}
LANDORF_2006 = {
    "authors": "Landorf KB, Keenan AM, Herbert RD",
    "title": "Effectiveness of foot orthoses to treat plantar fasciitis: a randomized trial",
    "source": "Archives of Internal Medicine",
    "year": 2006,
    "url": "https://doi.org/10.1001/archinte.166.12.1305",
}
COLLINS_2008 = {
    "authors": "Collins N, Crossley K, Beller E, Darnell R, McPoil T, Vicenzino B",
    "title": "Foot orthoses and physiotherapy in the treatment of patellofemoral pain syndrome: "
    "randomised clinical trial",
    "source": "BMJ",
    "year": 2008,
    "url": "https://doi.org/10.1136/bmj.a1735",
}
TELFER_2010 = {
    "authors": "Telfer S, Woodburn J",
    "title": "The use of 3D surface scanning for the measurement and assessment of the human foot",
    "source": "Journal of Foot and Ankle Research",
    "year": 2010,
    "url": "https://doi.org/10.1186/1757-1146-3-19",
}

ARTICLES = [
    {
        "slug": "foot-posture-and-hip-pain",
        "title": "Foot posture and hip pain: how the two are linked",
        "topics": ["hip", "heel-and-arch"],
        "days_ago": 3,
        "reviewer": PODIATRIST,
        "reviewed_days_ago": 5,
        "references": [REDMOND_2008, GRIMALDI_2015, MELLOR_2018],
        "summary": "Pain on the outside of the hip is not always a hip problem. A foot that rolls "
        "in with each step can keep the hip muscles working overtime.",
        "body": """\
When your hip aches, the hip is the obvious place to look. Stretching, massage and strength work for
the muscles around the pelvis all have their place. Yet some people do all of it and the ache keeps
coming back. For them it is worth looking further down the leg.

## One leg, many joints

Your foot, ankle, knee and hip move together. When one part moves a little too much, the parts above
it adjust. That is normal and healthy in small amounts; the trouble starts when the same adjustment
happens thousands of times a day.

## What a rolling foot does to the leg

If the arch drops a long way each time the foot lands, the shin tends to turn inwards with it, and the
thigh follows. The muscles on the side of the hip, the gluteus medius especially, then work harder to
keep the pelvis level and the knee from drifting in.

1. The arch lowers more than it needs to.
2. The shin and thigh turn inwards.
3. The hip muscles brake that turn on every step, and tire.

Tired, overloaded tendons around the hip can become sore. Strengthening helps them cope, but it does
not reduce how often they are asked to work.

## Where support fits in

Supporting the arch can limit how far the foot rolls, so the leg turns less and the hip has less to
control. It is one part of a plan, alongside the exercises your physiotherapist gives you.

> Not every hip pain comes from the feet. Pain in the groin, pain at night that wakes you, or a hip
> that locks or gives way needs a clinician's examination.

If you recognise the pattern, our foot assessment asks about your hip pain and how your feet behave,
and a clinician reviews the answers.
""",
    },
    {
        "slug": "overpronation-explained",
        "title": "Overpronation explained, without the jargon",
        "topics": ["heel-and-arch", "running"],
        "days_ago": 10,
        "reviewer": PHYSIO,
        "reviewed_days_ago": 12,
        "references": [REDMOND_2008, CAVANAGH_1987, NIELSEN_2014],
        "summary": "Pronation is how your foot absorbs shock. Overpronation is when it keeps going. "
        "Here is what that means and when it matters.",
        "body": """\
Pronation is a normal movement: as your heel lands, the foot rolls slightly inwards and the arch
flattens a little to soak up the impact. Then it stiffens again so you can push off.

## When does it become "over"?

Overpronation means the foot rolls further, or for longer, than it needs to. Many people with flat-ish
feet never have a problem. It matters when it comes with pain, or with wear that keeps repeating.

## Signs people notice

- Shoes that wear down along the inside edge of the heel.
- Tired or aching arches after standing.
- Shin, knee or hip pain that gets worse with walking or running.

## What helps

Calf and foot strength, sensible shoes and a gradual training load all help. When the foot still
collapses, an insole that supports the arch can share the load. A custom orthotic is shaped to your own
foot rather than an average one.
""",
    },
    {
        "slug": "plantar-heel-pain",
        "title": "Plantar heel pain: why the first steps hurt most",
        "topics": ["heel-and-arch"],
        "days_ago": 17,
        "reviewer": PODIATRIST,
        "reviewed_days_ago": 19,
        "references": [LANDORF_2006],
        "summary": "Sharp heel pain with the first steps of the morning is typical of plantar heel "
        "pain. What is going on, and what tends to help.",
        "body": """\
The plantar fascia is a thick band under your foot that runs from the heel bone to the toes. It helps
hold up the arch. When it is overloaded, the place where it attaches to the heel gets sore.

## The morning pattern

Overnight the band rests in a shortened position. The first steps stretch it suddenly, which is why the
pain is often worst getting out of bed or after sitting, and eases as you move.

## Common contributors

- A sudden increase in walking, standing or running.
- Tight calves.
- Very flat or very high arches.
- Thin, unsupportive shoes on hard floors.

## What usually helps

Most people improve over weeks to months with calf stretches, a gradual return to activity and
cushioned, supportive footwear. Heel cups and arch support reduce the pull on the band while it
settles.

See a clinician promptly if the heel is hot and swollen, if the pain followed an injury, or if you have
numbness or tingling in the foot.
""",
    },
    {
        "slug": "knee-pain-on-stairs",
        "title": "Knee pain on stairs: what it can tell you",
        "topics": ["knee"],
        "days_ago": 24,
        "reviewer": PHYSIO,
        "reviewed_days_ago": 26,
        "references": [COLLINS_2008],
        "summary": "Pain at the front of the knee going down stairs is common. The kneecap, the hip "
        "muscles and the feet can all play a part.",
        "body": """\
Stairs ask a lot of the knee, especially going down, when the thigh muscles control the body's weight
as the knee bends.

## Pain around or behind the kneecap

The most common pattern is an ache around the kneecap that is worse on stairs, squatting or after
sitting for a long time. The kneecap glides in a groove; when it is loaded unevenly, the area gets
irritated.

## Why the feet matter

If the foot rolls in as it takes weight, the shin turns inwards and the knee can drift towards the
other leg. That changes how the kneecap tracks. Supporting the foot is one way to keep the knee
lined up over the toes.

## What to try

1. Strengthen the thigh and hip muscles, little and often.
2. Take stairs one at a time with the stronger leg leading up and the sore leg leading down.
3. Check your shoes: worn-out soles let the foot roll more.

Swelling, locking, or a knee that gives way needs to be examined.
""",
    },
    {
        "slug": "how-a-3d-foot-scan-works",
        "title": "How a 3D foot scan works",
        "topics": ["choosing-orthotics"],
        "days_ago": 31,
        "reviewer": PODIATRIST,
        "reviewed_days_ago": 400,
        "references": [TELFER_2010, CAVANAGH_1987],
        "summary": "A 3D scan records the shape of your foot in a few seconds. Here is what it "
        "measures and how it becomes an orthotic.",
        "body": """\
A custom orthotic starts with an accurate copy of your foot. We use a 3D scan instead of a plaster
cast or a foam box.

## What happens

You sit or stand as the clinician asks, and the scanner records the surface of the foot as thousands
of points. It takes a few seconds per foot and nothing touches the skin.

## What the scan measures

- The length and width of the foot.
- The height and shape of the arch.
- The angle of the heel relative to the forefoot.

## From scan to insole

The clinician checks the scan, adds the corrections your assessment calls for, and sends the design to
the lab, which shapes the orthotic to it. Because the file is digital, a replacement pair can be made
from the same scan.
""",
    },
    {
        "slug": "what-custom-orthotics-can-and-cannot-do",
        "title": "What a custom orthotic can and cannot do",
        "topics": ["choosing-orthotics", "running"],
        "days_ago": 38,
        "reviewer": PHYSIO,
        "reviewed_days_ago": 40,
        "references": [LANDORF_2006, COLLINS_2008],
        "summary": "Orthotics are a tool, not a cure. An honest look at what they do well, where "
        "they help less, and how to get the most from them.",
        "body": """\
A custom orthotic is an insole shaped to your foot and designed to change how load passes through it.

## What it can do

- Support the arch so it collapses less with each step.
- Steady the heel in a deep heel cup.
- Spread pressure away from sore spots.
- Reduce strain further up the leg that comes from how the foot moves.

## What it cannot do

It cannot rebuild a worn joint, replace strength work, or fix pain that has nothing to do with how
your feet move. It is also not a quick fix: most people need a couple of weeks to get used to a pair.

## Getting the most from them

Wear them in shoes with room for an insole, build up the wearing time over a week or two, and keep
doing the exercises your clinician suggests. If pain changes or gets worse, tell us.
""",
    },
]


def seed(stdout) -> None:
    topics = {}
    for slug, name, area, description in TOPICS:
        topic, _ = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "assessment_area": area, "description": description}
        )
        topics[slug] = topic
    now = timezone.now()
    for data in ARTICLES:
        article = Article.objects.filter(slug=data["slug"]).first()
        if article is None:
            article = Article(
                slug=data["slug"],
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                published_at=now - timedelta(days=data["days_ago"]),
            )
            _set_illustration(article)
            article.save()
            services.article_set_topics(
                article=article, topics=[topics[slug] for slug in data["topics"]]
            )
            services.article_publish(article=article, note="demo data")
        elif _has_old_demo_picture(article):
            _set_illustration(article)
            article.save()
        _add_review(article, data)
    stdout.write(f"Demo articles: {Article.objects.count()} ({len(ARTICLES)} from the demo set).")


def _set_illustration(article: Article) -> None:
    """The article's own diagram, drawn from its SVG, with the SVG's description as alt text."""
    path = illustrations.illustration_path(article.slug)
    if path is None:
        raise FileNotFoundError(
            f"no illustration {illustrations.ILLUSTRATION_DIR}/{article.slug}.svg"
        )
    article.hero_alt = illustrations.read(path).description
    article.hero_image.save(
        f"{article.slug}-diagram.png", ContentFile(illustrations.to_png(path)), save=False
    )


def _has_old_demo_picture(article: Article) -> bool:
    """The abstract footprint every demo article used to share (saved as `<slug>.png`)."""
    pattern = rf"articles/originals/{re.escape(article.slug)}(_[A-Za-z0-9]{{7}})?\.png"
    return bool(article.hero_image and re.fullmatch(pattern, article.hero_image.name))


def _add_review(article: Article, data: dict) -> None:
    """A review and references for a demo article that has neither yet (staff edits are kept)."""
    if article.reviewer_name or article.last_reviewed or article.references.exists():
        return
    name, role = data["reviewer"]
    reviewed = review_today() - timedelta(days=data["reviewed_days_ago"])
    article.reviewer_name, article.reviewer_role = name, role
    article.last_reviewed, article.next_review_due = reviewed, reviewed + REVIEW_INTERVAL
    article.full_clean(exclude=["topics"])
    article.save(
        update_fields=["reviewer_name", "reviewer_role", "last_reviewed", "next_review_due"]
    )
    services.article_set_references(article=article, references=data["references"])
