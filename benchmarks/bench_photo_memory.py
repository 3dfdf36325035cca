"""Peak memory of sanitising one photo (fitsperfect.images.sanitise_photo), each in a fresh process.

    .venv/bin/python benchmarks/bench_photo_memory.py

For each photo: the process's peak RSS (VmHWM) before and after `sanitise_photo`, so the
difference is what the photo cost on top of an idle process with Django and Pillow loaded, and the
time it took. Cases: the probe's 39.7-megapixel PNG (refused), the largest PNG accepted (12 MP,
RGBA), a 12 MP JPEG and a 48 MP JPEG (accepted: decoded at half scale by `Image.draft`).
`tests/test_photo_memory.py` uses `measure` and `flat_png` with its own limits.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import io, json, sys, time
def hwm():  # this process's peak RSS in KB (VmHWM: ru_maxrss would include the parent's at fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from django.conf import settings
settings.configure(USE_I18N=False)  # not django.setup(): the apps' imports would set the peak
from fitsperfect.images import PhotoRejected, sanitise_photo
data = open(sys.argv[1], "rb").read()
before = hwm()
start = time.perf_counter()
try:
    clean = sanitise_photo(io.BytesIO(data))
    outcome = f"accepted as {clean.width}x{clean.height} {clean.format}"
except PhotoRejected as error:
    outcome = f"refused: {error.message}"
seconds = time.perf_counter() - start
after = hwm()
print(json.dumps({"outcome": str(outcome), "seconds": round(seconds, 3),
                  "peak_rss_mb": round(after / 1024, 1), "extra_peak_mb": round((after - before) / 1024, 1)}))
"""


def flat_png(path: Path, width: int, height: int, *, channels: int = 3) -> Path:
    """A one-colour PNG written row by row (never the whole image in memory): tiny on disk."""
    colour_type = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, colour_type, 0, 0, 0])
    row = b"\x00" + bytes([120]) * (width * channels)
    compressor = zlib.compressobj(9)
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header))
        data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
        out.write(chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def jpeg(path: Path, width: int, height: int, *, orientation: int = 1) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation  # EXIF Orientation: 6 = taken with the phone on its side
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.save(path, quality=90, exif=exif.tobytes())
    return path


def measure(path: Path) -> dict:
    """Sanitises the photo at `path` in a fresh process; returns outcome, seconds and peak RSS."""
    env_python = sys.executable
    result = subprocess.run(  # noqa: S603 - our interpreter, our snippet
        [env_python, "-c", _CHILD, str(path)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = {
            "39.7 MP PNG (the probe's)": flat_png(folder / "probe.png", 7296, 5440),
            "12 MP RGBA PNG (largest PNG accepted)": flat_png(
                folder / "rgba.png", 4000, 3000, channels=4
            ),
            "12 MP JPEG": jpeg(folder / "12.jpg", 4000, 3000),
            "12 MP JPEG, EXIF-rotated": jpeg(folder / "12r.jpg", 4000, 3000, orientation=6),
            "48 MP JPEG (decoded at 1/2)": jpeg(folder / "48.jpg", 8000, 6000),
        }
        for name, path in cases.items():
            size_kb = path.stat().st_size // 1024
            print(f"{name:40} {size_kb:>7} KB  {json.dumps(measure(path))}")


if __name__ == "__main__":
    main()
