"""Demo topics and articles for `seed_demo`, written by us, with illustrations drawn here in Pillow.

Idempotent: topics and articles are matched by slug, and an article's picture is drawn only once.
"""

from __future__ import annotations

import io
import math
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from . import services
from .models import Article, Topic

TOPICS = [
    ("hip", "Hip", "hip", "How the way your feet meet the ground can load the hip."),
    ("knee", "Knee", "knee", "Knee pain on stairs, when running and after sitting."),
    ("heel-and-arch", "Heel and arch", "heel", "Heel pain, arch pain and flat feet."),
    ("running", "Running", "shin", "Running comfortably: shins, knees and shoes."),
    ("choosing-orthotics", "Choosing orthotics", "", "What custom orthotics are, and are not."),
]

ARTICLES = [
    {
        "slug": "foot-posture-and-hip-pain",
        "title": "Foot posture and hip pain: how the two are linked",
        "topics": ["hip", "heel-and-arch"],
        "days_ago": 3,
        "colour": (11, 85, 99),
        "alt": "Illustration: a stylised teal footprint beside four wavy lines.",
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
        "colour": (30, 107, 52),
        "alt": "Illustration: a stylised green footprint beside four wavy lines.",
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
        "colour": (122, 75, 0),
        "alt": "Illustration: a stylised amber footprint beside four wavy lines.",
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
        "colour": (90, 60, 140),
        "alt": "Illustration: a stylised purple footprint beside four wavy lines.",
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
        "colour": (11, 60, 120),
        "alt": "Illustration: a stylised blue footprint beside four wavy lines.",
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
        "colour": (176, 0, 32),
        "alt": "Illustration: a stylised red footprint beside four wavy lines.",
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


def _illustration(seed: int, colour: tuple[int, int, int]) -> bytes:
    """A simple abstract picture: a soft background, a foot-like outline and a few curves."""
    width, height = 1200, 675
    image = Image.new("RGB", (width, height), (242, 246, 247))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a gentle vertical gradient towards the article colour
        t = y / height * 0.35
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(242 * (1 - t) + c * t) for c in colour),
        )
    cx, cy = 420 + (seed % 3) * 60, 370
    draw.ellipse(
        [cx - 130, cy - 250, cx + 130, cy + 250], fill=(255, 255, 255), outline=colour, width=8
    )
    for index, (dx, r) in enumerate([(-95, 34), (-30, 30), (25, 27), (70, 24), (105, 20)]):
        x, y = cx + dx, cy - 285 + index * 12
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255), outline=colour, width=6)
    draw.arc([cx - 70, cy - 60, cx + 150, cy + 180], 100, 260, fill=colour, width=14)
    for k in range(4):
        points = [
            (760 + i * 8, 160 + k * 110 + int(40 * math.sin(i / 6 + seed + k))) for i in range(50)
        ]
        draw.line(points, fill=colour, width=6, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def seed(stdout) -> None:
    topics = {}
    for slug, name, area, description in TOPICS:
        topic, _ = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "assessment_area": area, "description": description}
        )
        topics[slug] = topic
    now = timezone.now()
    for index, data in enumerate(ARTICLES):
        article = Article.objects.filter(slug=data["slug"]).first()
        if article is not None:
            continue
        article = Article(
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            hero_alt=data["alt"],
            published_at=now - timedelta(days=data["days_ago"]),
        )
        article.hero_image.save(
            f"{data['slug']}.png", ContentFile(_illustration(index, data["colour"])), save=False
        )
        article.save()
        services.article_set_topics(
            article=article, topics=[topics[slug] for slug in data["topics"]]
        )
        services.article_publish(article=article, note="demo data")
    stdout.write(f"Demo articles: {Article.objects.count()} ({len(ARTICLES)} from the demo set).")
