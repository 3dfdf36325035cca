"""The posture pictures for a left foot: the right foot's drawings (static/img/assessment/
<item>_<value>.svg) mirrored left to right, with their words ("inner", "outer") kept readable
and moved to the side they name. A right foot is the mirror image of a left one, so a left foot
seen from behind has its inner side on the viewer's right.

`python manage.py shell -c "from assessments import illustrations; illustrations.write_left()"`
writes the `_left` files again after a drawing changes (a test checks they match).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

FOLDER = Path(settings.BASE_DIR) / "static" / "img" / "assessment"
WIDTH = 120
_TEXT = re.compile(r'<text x="(?P<x>[\d.]+)"(?P<rest>[^>]*)>(?P<words>[^<]*)</text>')
_BODY = re.compile(r"(?s)^(?P<head><svg[^>]*>\s*<rect[^>]*/>)(?P<body>.*?)(?P<tail>\s*</svg>\s*)$")


def mirrored(svg: str) -> str:
    """The drawing mirrored about its vertical centre line; its text stays readable, each
    word anchored at the mirrored position (so "inner" moves to the other side)."""
    texts = [
        f'<text x="{WIDTH - float(m["x"]):g}" text-anchor="end"{m["rest"]}>{m["words"]}</text>'
        for m in _TEXT.finditer(svg)
    ]
    parts = _BODY.match(_TEXT.sub("", svg))
    drawing = f'<g transform="matrix(-1 0 0 1 {WIDTH} 0)">{parts["body"].strip()}</g>'
    return parts["head"] + "\n" + drawing + "".join(texts) + parts["tail"]


def right_foot_files() -> list[Path]:
    return sorted(p for p in FOLDER.glob("*.svg") if not p.stem.endswith("_left"))


def left_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}_left.svg")


def write_left() -> None:
    for path in right_foot_files():
        left_path(path).write_text(mirrored(path.read_text()))
