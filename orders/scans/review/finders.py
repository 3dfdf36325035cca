"""Serves the two files of three.js the 3D scan view needs, from node_modules (installed by npm
from package-lock.json), as static files under ``vendor/three/``: nothing else in node_modules
becomes public, and no third-party file is committed. `collectstatic` copies them like ours."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor/three"
FILES = ("three.module.js", "three.core.js")  # three.module.js imports ./three.core.js


def three_build_dir() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / "three" / "build"


class ThreeFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(three_build_dir()))
        self.storage.prefix = PREFIX

    def check(self, **kwargs) -> list:
        return []  # without npm the page keeps its preview image; the test suite says so

    def find(self, path: str, find_all: bool = False, **kwargs):
        name = path.removeprefix(PREFIX + "/")
        found = three_build_dir() / name
        matches = [str(found)] if name in FILES and path != name and found.is_file() else []
        if find_all or kwargs.get("all") or not matches:
            return matches  # an empty list, as Django's finders answer "not here"
        return matches[0]

    def list(self, ignore_patterns):
        for name in FILES:
            if (three_build_dir() / name).is_file():
                yield name, self.storage
