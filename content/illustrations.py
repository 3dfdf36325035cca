"""The demo articles' illustrations: hand-written SVG files, drawn to PNG here for the hero pipeline.

The SVG in `static/img/articles/` is the one source of each picture (readable, reviewable, with its
own title and description). Hero images must be raster (WebP renditions, og:image), and the project
has no SVG library, so this draws the small subset of SVG those files use with Pillow. Anything
outside the subset is an error, never silently skipped, so the PNG cannot drift from the SVG.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from django.contrib.staticfiles import finders
from PIL import Image, ImageColor, ImageDraw, ImageFont

SVG_NS = "{http://www.w3.org/2000/svg}"
ILLUSTRATION_DIR = "img/articles"
SUPERSAMPLE = 2  # drawn at twice the size and scaled down, for smooth edges
CURVE_STEPS = 24
SHAPES = {"rect", "circle", "ellipse", "line", "polyline", "polygon", "path", "text"}
IGNORED = {"title", "desc"}
STYLE_KEYS = ("fill", "stroke", "stroke-width", "font-size", "text-anchor", "font-weight")
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_TOKEN = re.compile(r"[MLHVCQZmlhvcqz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class UnsupportedSVG(ValueError):
    """The file uses SVG this drawer does not know; keep the illustrations to the subset."""


@dataclass(frozen=True)
class Illustration:
    path: Path
    title: str
    description: str
    width: int
    height: int


def illustration_path(slug: str) -> Path | None:
    found = finders.find(f"{ILLUSTRATION_DIR}/{slug}.svg")
    return Path(found) if found else None


def read(path: Path) -> Illustration:
    root = _root(path)
    title = root.find(f"{SVG_NS}title")
    desc = root.find(f"{SVG_NS}desc")
    width, height = _size(root)
    return Illustration(
        path=path,
        title=(title.text or "").strip() if title is not None else "",
        description=" ".join((desc.text or "").split()) if desc is not None else "",
        width=width,
        height=height,
    )


def to_png(path: Path) -> bytes:
    """Draw the SVG at its own size (viewBox 0 0 width height) and return PNG bytes."""
    root = _root(path)
    width, height = _size(root)
    image = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), "white")
    draw = ImageDraw.Draw(image)
    _draw_children(draw, root, {"fill": "#000000", "stroke": "none", "stroke-width": "1"})
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _root(path: Path):
    # Our own files from the repository, never uploads, so the standard parser is safe here.
    root = ElementTree.parse(path).getroot()  # noqa: S314  # nosec B314
    if root.tag != f"{SVG_NS}svg":
        raise UnsupportedSVG(f"{path}: the root element must be an SVG <svg>")
    return root


def _size(root) -> tuple[int, int]:
    box = [float(n) for n in NUMBER.findall(root.get("viewBox", ""))]
    if len(box) != 4 or box[0] or box[1]:
        raise UnsupportedSVG('the <svg> needs viewBox="0 0 width height"')
    return int(box[2]), int(box[3])


def _draw_children(draw: ImageDraw.ImageDraw, parent, style: dict) -> None:
    for element in parent:
        tag = element.tag.removeprefix(SVG_NS)
        if tag in IGNORED:
            continue
        if element.get("transform"):
            raise UnsupportedSVG(f"<{tag}>: transform is not supported")
        own = {**style, **{k: element.get(k) for k in STYLE_KEYS if element.get(k) is not None}}
        if tag == "g":
            _draw_children(draw, element, own)
        elif tag in SHAPES:
            _draw_shape(draw, tag, element, own)
        else:
            raise UnsupportedSVG(f"<{tag}> is not supported")


def _colour(value: str | None) -> tuple[int, int, int] | None:
    if value is None or value == "none":
        return None
    return ImageColor.getrgb(value)[:3]


def _n(element, name: str, default: float = 0.0) -> float:
    value = element.get(name)
    return float(value) * SUPERSAMPLE if value is not None else default * SUPERSAMPLE


def _points(text: str) -> list[tuple[float, float]]:
    numbers = [float(n) * SUPERSAMPLE for n in NUMBER.findall(text)]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def _draw_shape(draw: ImageDraw.ImageDraw, tag: str, element, style: dict) -> None:
    fill, stroke = _colour(style["fill"]), _colour(style["stroke"])
    width = max(1, round(float(style["stroke-width"]) * SUPERSAMPLE)) if stroke else 0
    if tag == "rect":
        x, y = _n(element, "x"), _n(element, "y")
        box = [x, y, x + _n(element, "width"), y + _n(element, "height")]
        draw.rounded_rectangle(
            box, radius=_n(element, "rx"), fill=fill, outline=stroke, width=width
        )
    elif tag in ("circle", "ellipse"):
        cx, cy = _n(element, "cx"), _n(element, "cy")
        rx = _n(element, "r") if tag == "circle" else _n(element, "rx")
        ry = _n(element, "r") if tag == "circle" else _n(element, "ry")
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill, outline=stroke, width=width)
    elif tag == "line":
        ends = [(_n(element, "x1"), _n(element, "y1")), (_n(element, "x2"), _n(element, "y2"))]
        _stroke(draw, ends, stroke, width)
    elif tag in ("polyline", "polygon"):
        points = _points(element.get("points", ""))
        if tag == "polygon" and fill:
            draw.polygon(points, fill=fill)
        _stroke(draw, points + (points[:1] if tag == "polygon" else []), stroke, width)
    elif tag == "path":
        for points, closed in _path(element.get("d", "")):
            if closed and fill:
                draw.polygon(points, fill=fill)
            _stroke(draw, points + (points[:1] if closed else []), stroke, width)
    else:  # text
        _text(draw, element, style, fill)


def _stroke(draw, points, colour, width: int) -> None:
    if colour is None or len(points) < 2:
        return
    draw.line(points, fill=colour, width=width, joint="curve")
    radius = width / 2  # round caps, as the SVGs ask with stroke-linecap="round"
    for x, y in (points[0], points[-1]):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)


def _text(draw, element, style: dict, fill) -> None:
    size = float(style.get("font-size") or 16) * SUPERSAMPLE
    font = ImageFont.load_default(size=size)
    anchor = {"start": "ls", "middle": "ms", "end": "rs"}[style.get("text-anchor") or "start"]
    stroke_width = max(1, round(size / 60)) if style.get("font-weight") == "bold" else 0
    draw.text(
        (_n(element, "x"), _n(element, "y")),
        " ".join((element.text or "").split()),
        font=font,
        fill=fill or (0, 0, 0),
        anchor=anchor,
        stroke_width=stroke_width,
        stroke_fill=fill or (0, 0, 0),
    )


def _path(d: str) -> list[tuple[list[tuple[float, float]], bool]]:
    """Subpaths of M, L, H, V, C, Q and Z (absolute or relative) as flattened point lists."""
    tokens = PATH_TOKEN.findall(d)
    subpaths: list[tuple[list[tuple[float, float]], bool]] = []
    points: list[tuple[float, float]] = []
    x = y = 0.0
    command = ""
    index = 0

    def take(count: int) -> list[float]:
        nonlocal index
        chunk = tokens[index : index + count]
        if len(chunk) != count or any(v.isalpha() for v in chunk):
            raise UnsupportedSVG(f"path “{d[:40]}…”: {command} needs {count} numbers")
        index += count
        return [float(v) for v in chunk]

    while index < len(tokens):
        if tokens[index].isalpha():
            command = tokens[index]
            index += 1
        elif not command:
            raise UnsupportedSVG("a path must start with M")
        relative, op = command.islower(), command.upper()
        ox, oy = (x, y) if relative else (0.0, 0.0)
        if op == "Z":
            if points:
                subpaths.append((points, True))
                x, y = points[0]
            points = []
            command = ""
            continue
        if op == "M":
            if len(points) > 1:
                subpaths.append((points, False))
            x, y = (v + o for v, o in zip(take(2), (ox, oy), strict=True))
            points = [(x, y)]
            command = "l" if relative else "L"  # further pairs are lines
        elif op == "L":
            x, y = (v + o for v, o in zip(take(2), (ox, oy), strict=True))
            points.append((x, y))
        elif op == "H":
            x = take(1)[0] + ox
            points.append((x, y))
        elif op == "V":
            y = take(1)[0] + oy
            points.append((x, y))
        elif op in ("C", "Q"):
            values = take(6 if op == "C" else 4)
            controls = [(values[i] + ox, values[i + 1] + oy) for i in range(0, len(values), 2)]
            start = (x, y)
            for step in range(1, CURVE_STEPS + 1):
                points.append(_bezier([start, *controls], step / CURVE_STEPS))
            x, y = controls[-1]
        else:
            raise UnsupportedSVG(f"path command {command} is not supported")
    if len(points) > 1:
        subpaths.append((points, False))
    return [([(px * SUPERSAMPLE, py * SUPERSAMPLE) for px, py in pts], c) for pts, c in subpaths]


def _bezier(points: list[tuple[float, float]], t: float) -> tuple[float, float]:
    """De Casteljau: a point on a quadratic or cubic Bézier curve."""
    while len(points) > 1:
        points = [
            (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            for a, b in zip(points, points[1:], strict=False)
        ]
    return points[0]
