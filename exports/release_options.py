"""What an editor asks a release to be (its name, version, selection and split) and the checks
those options pass before anything is written; ReleaseError is how every refusal is told."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from exports.selection import Selection

# Hub repository names allow letters, digits, "-", "_" and "." (no leading/trailing
# punctuation, no ".." and at most 96 characters); a release name is also a folder name.
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
# semver.org's regular expression.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class ReleaseError(Exception):
    """A release cannot be built; the message says why. Nothing was left half-written."""


@dataclass
class ReleaseOptions:
    name: str
    version: str = "1.0.0"
    selection: Selection = field(default_factory=Selection)
    validation_fraction: float | None = None
    seed: int | None = None
    force: bool = False
    user: Any = None
    title: str = ""
    # The Release row an admin build queued under this name (status queued): it is this
    # build's own row, not a release that already exists.
    release_id: Any = None
    # Called with (step, done, total) as the build moves through its steps.
    progress: Callable[[str, int, int], None] | None = None


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.match(name) or ".." in name:
        raise ReleaseError(
            f"{name!r} is not a release name: use letters, digits, '-', '_' and '.', starting "
            "and ending with a letter or digit, at most 96 characters "
            "(e.g. emotional-intelligence-100-v1.0)."
        )
    return name


def check_version(version: str) -> str:
    version = (version or "").strip()
    if not SEMVER.match(version):
        raise ReleaseError(
            f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)."
        )
    return version


def check_fraction(fraction: float) -> float:
    if not 0 < fraction < 1:
        raise ReleaseError(f"The validation fraction must be between 0 and 1, not {fraction}.")
    return fraction


def release_paths(name: str) -> tuple[Path, Path, Path]:
    root = Path(settings.RELEASE_DIR)
    return root / name, root / f"{name}.zip", root / f"{name}.tar.gz"
