"""A release's files as recorded, checked against the folder before anything leaves it."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from exports.archives import CHECKSUMS, sha256_of
from exports.models import Release

SHA256 = re.compile(r"[0-9a-f]{64}")


class PublishError(Exception):
    """A release could not be published; the message says why, in the editor's words.

    `permanent` is False when trying again later may succeed (rate limit, network, Hub outage);
    `retry_after` is the Hub's wait in seconds when it gave one."""

    def __init__(self, message: str, *, permanent: bool = True, retry_after: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative to the release folder, "/"-separated
    size: int
    sha256: str


def release_files(release: Release) -> list[ReleaseFile]:
    """The files to upload, each checked against the release's recorded size and SHA-256.

    The list is `release.files`, or the folder's SHA256SUMS when that is empty; SHA256SUMS goes
    up too (it does not list itself), after checking it agrees with the list."""
    if release.status != Release.Status.READY:
        raise PublishError(
            f"Release {release.name} is not ready (status: {release.status}); "
            "only a finished release can be published."
        )
    folder = Path(release.folder) if release.folder else None
    if folder is None or not folder.is_dir():
        raise PublishError(f"Release {release.name}'s folder {release.folder!r} does not exist.")
    recorded = recorded_files(release, folder)
    checksums = folder / CHECKSUMS
    if CHECKSUMS not in recorded and checksums.is_file():
        check_checksums_agree(release, folder, recorded)
        recorded[CHECKSUMS] = ReleaseFile(CHECKSUMS, checksums.stat().st_size, sha256_of(checksums))
    on_disk = sorted(folder_paths(folder))
    unlisted = [path for path in on_disk if path not in recorded]
    if unlisted:
        raise PublishError(
            f"Release {release.name}'s folder holds files the release does not list: "
            f"{', '.join(unlisted[:5])}."
        )
    for entry in recorded.values():
        check_file(release, folder, entry)
    return sorted(recorded.values(), key=lambda entry: entry.path)


def recorded_files(release: Release, folder: Path) -> dict[str, ReleaseFile]:
    if release.files:
        entries = [parse_recorded(release, item) for item in release.files]
    else:
        checksums = folder / CHECKSUMS
        if not checksums.is_file():
            raise PublishError(
                f"Release {release.name} records no files and its folder has no {CHECKSUMS}: "
                "nothing to check the upload against."
            )
        entries = [
            ReleaseFile(
                path, (folder / path).stat().st_size if (folder / path).is_file() else -1, sha
            )
            for path, sha in parse_checksums(release, checksums.read_text(encoding="utf-8"))
        ]
    recorded: dict[str, ReleaseFile] = {}
    for entry in entries:
        if entry.path in recorded:
            raise PublishError(f"Release {release.name} lists {entry.path} twice.")
        recorded[entry.path] = entry
    if not recorded:
        raise PublishError(f"Release {release.name} has no files to publish.")
    return recorded


def parse_recorded(release: Release, item: object) -> ReleaseFile:
    if not isinstance(item, dict) or not {"path", "bytes", "sha256"} <= item.keys():
        raise PublishError(
            f"Release {release.name} has a malformed file entry {item!r} "
            "(expected {path, bytes, sha256})."
        )
    path = safe_path(release, item["path"])
    sha = str(item["sha256"]).lower()
    if not SHA256.fullmatch(sha) or not isinstance(item["bytes"], int):
        raise PublishError(f"Release {release.name} records a bad size or SHA-256 for {path}.")
    return ReleaseFile(path, item["bytes"], sha)


def parse_checksums(release: Release, text: str) -> list[tuple[str, str]]:
    """`sha256sum` lines: '<hex>  <path>' (or '<hex> *<path>' in binary mode)."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)", line)
        if match is None:
            raise PublishError(f"Release {release.name}'s {CHECKSUMS} line {number} is malformed.")
        pairs.append((safe_path(release, match.group(2)), match.group(1).lower()))
    return pairs


def safe_path(release: Release, path: object) -> str:
    """A relative path inside the folder; anything that could climb out of it is refused."""
    text = str(path).replace("\\", "/")
    pure = PurePosixPath(text)
    if not text or pure.is_absolute() or ".." in pure.parts or text != pure.as_posix():
        raise PublishError(f"Release {release.name} lists an unsafe file path {path!r}.")
    return text


def check_checksums_agree(release: Release, folder: Path, recorded: dict[str, ReleaseFile]) -> None:
    listed = dict(parse_checksums(release, (folder / CHECKSUMS).read_text(encoding="utf-8")))
    expected = {path: entry.sha256 for path, entry in recorded.items()}
    if listed != expected:
        differing = sorted(set(listed.items()) ^ set(expected.items()))
        raise PublishError(
            f"Release {release.name}'s {CHECKSUMS} disagrees with its recorded files "
            f"(first difference: {differing[0][0]})."
        )


def check_file(release: Release, folder: Path, entry: ReleaseFile) -> None:
    path = folder / entry.path
    if not path.is_file():
        raise PublishError(f"Release {release.name} is missing {entry.path} in its folder.")
    if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
        raise PublishError(
            f"Release {release.name}'s {entry.path} does not match its recorded SHA-256: "
            "the folder changed since the release was built; rebuild it."
        )


def folder_paths(folder: Path) -> Iterable[str]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path.relative_to(folder).as_posix()
