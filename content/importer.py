"""Turn a plain-text or Markdown file into article fields.

Parsing is pure (no database), so a malformed file is rejected, with its line, before anything is
written. Plain text gets heuristics tuned on the clinic's own articles: the first line is the title,
short lines standing alone are headings, numbered and bulleted lines are lists, and the site
boilerplate pasted at the end (newsletter prompt, "Written by", author links, counters) is dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils import timezone
from django.utils.text import slugify

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
# Clinical review keys in the front matter, and the Article field each one sets.
REVIEW_KEYS = {
    "reviewer": "reviewer_name",
    "reviewer_role": "reviewer_role",
    "last_reviewed": "last_reviewed",
    "next_review_due": "next_review_due",
}
REFERENCE_KEYS = ("authors", "title", "source", "year", "url")
FRONT_MATTER_KEYS = {"title", "slug", "summary", "topics", "published", "references", *REVIEW_KEYS}
SUMMARY_LENGTH = 300
SUMMARY_SENTENCES_LENGTH = 220  # whole sentences up to about this long
MAX_TITLE = 200
MAX_HEADING_WORDS = 14
MAX_HEADING_CHARS = 100

ORDERED_ITEM = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
BULLET_ITEM = re.compile(r"^\s*[•●◦▪‣∙·*\-–]\s+(\S.*)$")
BARE_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
COUNTER = re.compile(r"^\d{1,5}$")
BOILERPLATE = re.compile(
    r"subscribe\b.*\bnewsletter|\bnewsletter\b|^written by\b|inside your inbox|^share (this|on)\b"
    r"|^follow us\b|^(like|comment|share)s?$|^published (on|by)\b|^thanks for reading",
    re.IGNORECASE,
)
SENTENCE_END = (".", "!", "?", ",", ";", ":", "…", '"', "”")


class ImportFileError(Exception):
    """A file that cannot be imported; carries the file and 1-based line for the message."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class ParsedArticle:
    title: str
    slug: str
    summary: str
    body: str
    topics: list[str] = field(default_factory=list)
    published: bool | dt.datetime | None = None
    # Only the review fields the file gives (Article field name → value); the rest stay as staff
    # left them. `references` is None when the file has no list, so existing ones are kept.
    review: dict[str, str | dt.date] = field(default_factory=dict)
    references: list[dict] | None = None


def parse_file(path: str | Path) -> ParsedArticle:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(path, 0, f"cannot read the file ({error.strerror})") from error
    return parse_text(_decode(raw, path), path=path)


def _decode(raw: bytes, path: Path) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportFileError(
            path, line, "not valid UTF-8 text (save the file as UTF-8)"
        ) from error
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(path, line, "contains a NUL byte: this looks like a binary file")
    return (
        text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", "    ")
    )


def parse_text(text: str, *, path: str | Path = "<text>") -> ParsedArticle:
    path = Path(path)
    lines = text.split("\n")
    meta, body_start = _front_matter(lines, path)
    body_lines = lines[body_start:]
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        title, title_line, body = _markdown_body(body_lines, body_start, meta.get("title"))
    else:
        title, title_line, body = _plain_body(body_lines, body_start, meta.get("title"))
    title = str(meta.get("title") or title or "").strip()
    if not title:
        raise ImportFileError(path, body_start + 1, "no title: the file is empty")
    if len(title) > MAX_TITLE:
        raise ImportFileError(path, title_line, f"the title is longer than {MAX_TITLE} characters")
    if not body.strip():
        raise ImportFileError(path, title_line, "the article has a title but no text")
    slug = str(meta.get("slug") or slugify(title)[:100].strip("-"))
    if not slug:  # a title with no Latin letters or digits still gets a stable slug
        slug = "article-" + hashlib.sha256(title.encode()).hexdigest()[:10]
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", slug):
        raise ImportFileError(path, meta.get("_lines", {}).get("slug", 1), f"invalid slug “{slug}”")
    summary = str(meta.get("summary") or _summary_from(body)).strip()
    return ParsedArticle(
        title=title,
        slug=slug,
        summary=summary,
        body=body.strip() + "\n",
        topics=meta.get("topics", []),
        published=meta.get("published"),
        review={name: meta[key] for key, name in REVIEW_KEYS.items() if key in meta},
        references=meta.get("references"),
    )


# --- Front matter -------------------------------------------------------------------------------
def _front_matter(lines: list[str], path: Path) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ImportFileError(path, 1, "front matter starts with --- but is never closed") from None
    source = "\n".join(lines[1:end])
    try:
        data = yaml.load(source, Loader=_FrontMatterLoader) if source.strip() else {}  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ImportFileError(path, line, f"front matter: {problem}") from None
    if not isinstance(data, dict):
        raise ImportFileError(path, 2, "front matter must be key: value pairs")
    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            key_lines.setdefault(match.group(1), number)
    meta: dict = {"_lines": key_lines}
    for key, value in data.items():
        line = key_lines.get(str(key), 2)
        if key not in FRONT_MATTER_KEYS:
            allowed = ", ".join(sorted(FRONT_MATTER_KEYS))
            raise ImportFileError(
                path, line, f"unknown front matter key “{key}” (allowed: {allowed})"
            )
        meta[key] = _check_meta(key, value, path, line)
    return meta, end + 1


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (2026-13-01) are YAML errors with a line, not a crash."""


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise yaml.constructor.ConstructorError(
            None, None, f"“{node.value}” is not a real date ({error})", node.start_mark
        ) from None


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _check_meta(key: str, value, path: Path, line: int):
    if key in ("reviewer", "reviewer_role"):
        if not isinstance(value, str) or not value.strip():
            raise ImportFileError(path, line, f"“{key}” must be text")
        return value.strip()
    if key in ("last_reviewed", "next_review_due"):
        return _check_date(key, value, path, line)
    if key == "references":
        return _check_references(value, path, line)
    if key in ("title", "slug", "summary"):
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise ImportFileError(path, line, f"“{key}” must be text")
        if key == "summary" and len(str(value)) > 400:
            raise ImportFileError(path, line, "“summary” is longer than 400 characters")
        return str(value).strip()
    if key == "topics":
        if isinstance(value, str):
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ImportFileError(path, line, "“topics” must be a list of topic names")
        return [v.strip() for v in value]
    # published: true/false, a date, or a date and time (UTC unless it says otherwise)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, 9, 0, tzinfo=dt.UTC)
    raise ImportFileError(path, line, "“published” must be true, false or a date like 2026-01-31")


def _check_date(key: str, value, path: Path, line: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ImportFileError(
        path, line, f"“{key}” must be a date like 2026-01-31 (year-month-day), not “{value}”"
    )


def _check_references(value, path: Path, line: int) -> list[dict]:
    """A list of {authors, title, source, year, url}; the model checks lengths and the link."""
    if not isinstance(value, list):
        raise ImportFileError(path, line, "“references” must be a list of title/source/year/url")
    references = []
    for number, item in enumerate(value, start=1):
        where = f"reference {number}"
        if not isinstance(item, dict):
            raise ImportFileError(path, line, f"{where}: give title, source, year and url")
        unknown = sorted(str(k) for k in item if k not in REFERENCE_KEYS)
        if unknown:
            allowed = ", ".join(REFERENCE_KEYS)
            raise ImportFileError(
                path, line, f"{where}: unknown key “{unknown[0]}” (allowed: {allowed})"
            )
        for name in ("title", "source"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ImportFileError(path, line, f"{where}: “{name}” must be text")
        year = item.get("year")
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        if isinstance(year, bool) or not isinstance(year, int):
            raise ImportFileError(path, line, f"{where}: “year” must be a year like 2008")
        url, authors = item.get("url") or "", item.get("authors") or ""
        if not isinstance(url, str):
            raise ImportFileError(path, line, f"{where}: “url” must be a web address")
        if not isinstance(authors, str):
            raise ImportFileError(path, line, f"{where}: “authors” must be text")
        references.append(
            {
                "authors": authors.strip(),
                "title": item["title"].strip(),
                "source": item["source"].strip(),
                "year": year,
                "url": url.strip(),
            }
        )
    return references


# --- Markdown -----------------------------------------------------------------------------------
def _markdown_body(lines: list[str], offset: int, meta_title: str | None) -> tuple[str, int, str]:
    """A leading "# Title" is the title (and dropped from the body even when the front matter
    names one); without either, the first line is the title, as in plain text."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1), offset + index + 1, "\n".join(lines[index + 1 :])
        if not meta_title:
            title = re.sub(r"[*_`]", "", line).strip()
            return title, offset + index + 1, "\n".join(lines[index + 1 :])
        break
    return "", offset + 1, "\n".join(lines)


# --- Plain text ---------------------------------------------------------------------------------
@dataclass
class _Block:
    line: int  # 1-based line number of its first line in the file
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(part.strip() for part in self.lines)


def _blocks(lines: list[str], offset: int) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for index, line in enumerate(lines):
        if line.strip():
            if current is None:
                current = _Block(line=offset + index + 1, lines=[])
                blocks.append(current)
            current.lines.append(line.rstrip())
        else:
            current = None
    return blocks


def _plain_body(lines: list[str], offset: int, meta_title: str | None) -> tuple[str, int, str]:
    """The first line is the title, unless the front matter names one (then the first line is
    dropped only when it repeats that title)."""
    blocks = _blocks(lines, offset)
    if not blocks:
        return "", offset + 1, ""
    first = blocks[0]
    title, title_line = first.lines[0].strip(), first.line
    if not meta_title or title.casefold() == str(meta_title).strip().casefold():
        rest = first.lines[1:]
        blocks = ([_Block(line=first.line + 1, lines=rest)] if rest else []) + blocks[1:]
    blocks = _drop_boilerplate(blocks)
    return title, title_line, _blocks_to_markdown(blocks)


def _is_sentence(text: str) -> bool:
    return text.rstrip().endswith(SENTENCE_END)


def _drop_boilerplate(blocks: list[_Block]) -> list[_Block]:
    """Drop the trailing run of short, non-sentence blocks when it contains a boilerplate marker
    (and bare counters or links at the very end in any case)."""
    cut = len(blocks)
    saw_marker = False
    for index in range(len(blocks) - 1, -1, -1):
        text = blocks[index].text
        marker = bool(BOILERPLATE.search(text)) and len(text) < 300
        trivial = bool(COUNTER.match(text) or BARE_URL.match(text))
        short = len(text) <= 80 and not _is_sentence(text)
        if not (marker or trivial or (short and index > 0 and len(blocks[index].lines) <= 3)):
            break
        saw_marker = saw_marker or marker
        cut = index
    if saw_marker:
        return blocks[:cut]
    while blocks and (COUNTER.match(blocks[-1].text) or BARE_URL.match(blocks[-1].text)):
        blocks = blocks[:-1]
    return blocks


def _escape(text: str) -> str:
    """Plain text is text: Markdown and HTML characters in it must show as typed."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    return re.sub(r"^([#>+=|-])", r"\\\1", text)


def _item(line: str) -> tuple[str, str] | None:
    if match := ORDERED_ITEM.match(line):
        return "ol", match.group(2)
    if match := BULLET_ITEM.match(line):
        return "ul", match.group(1)
    return None


def _item_text(text: str) -> str:
    """A short lead-in ending in a colon ("The Arch Collapses: ...") is set in bold."""
    match = re.match(r"^([A-Z][^:.!?]{2,60}):\s+(\S.*)$", text)
    if match:
        return f"**{_escape(match.group(1))}:** {_escape(match.group(2))}"
    return _escape(text)


def _is_heading(block: _Block) -> bool:
    text = block.text
    return (
        len(block.lines) == 1
        and len(text) <= MAX_HEADING_CHARS
        and len(text.split()) <= MAX_HEADING_WORDS
        and not _is_sentence(text)
        and _item(block.lines[0]) is None
        and (text[0].isupper() or text[0].isdigit())
    )


def _blocks_to_markdown(blocks: list[_Block]) -> str:
    out: list[str] = []
    list_kind: str | None = None
    count = 0
    for block in blocks:
        first = _item(block.lines[0])
        if first is not None:
            if list_kind != first[0]:
                if list_kind is not None:
                    out.append("")
                count = 0
            # Each item starts at a list marker; other lines continue the item before them.
            items: list[tuple[str, str]] = []
            for line in block.lines:
                item = _item(line)
                if item is not None and (item[0] == first[0]):
                    items.append(item)
                else:
                    kind, text = items[-1]
                    items[-1] = (kind, f"{text} {line.strip()}")
            for kind, text in items:
                count += 1
                marker = f"{count}." if kind == "ol" else "-"
                out.append(f"{marker} {_item_text(text.strip())}")
            list_kind = first[0]
            continue
        if list_kind is not None:
            out.append("")
            list_kind = None
        if _is_heading(block):
            out.append(f"## {_escape(block.text).lstrip(chr(92))}")
        else:
            out.append(_escape(block.text))
        out.append("")
    return "\n".join(out).strip() + "\n"


def _summary_from(body: str) -> str:
    """The first paragraph of the body, cut at a word boundary."""
    for paragraph in body.split("\n\n"):
        paragraph = paragraph.strip()
        if (
            paragraph
            and not paragraph.startswith(("#", "-", "*", "!", ">", "|"))
            and not re.match(r"^\d+\.", paragraph)
        ):
            text = re.sub(r"\\([\\`*_\[\]#>+=|-])", r"\1", paragraph)
            text = re.sub(r"[*_`]", "", text)
            text = text.replace("&lt;", "<").replace("&amp;", "&")
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("\n", " ")
            sentences = re.split(r"(?<=[.!?])\s+", text)
            summary = sentences[0]
            for sentence in sentences[1:]:
                if len(summary) + 1 + len(sentence) > SUMMARY_SENTENCES_LENGTH:
                    break
                summary = f"{summary} {sentence}"
            text = summary
            if len(text) <= SUMMARY_LENGTH:
                return text
            cut = text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:—–-")
            return cut + "…"
    return ""
