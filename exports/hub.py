"""Publishing a release to a HuggingFace Hub dataset repository: the one adapter in front of the
Hub. Nothing else imports huggingface_hub's upload API.

The release folder goes up in one commit and is tagged `v<version>`. Publishing the same version
again changes nothing: the tag already points at a commit holding exactly the release's files
(compared by size and content hash), so no commit is made and the Publication says so.

The token comes from the caller or huggingface_hub's own resolution (HF_TOKEN, then its token
file); it is handed to the client and never written to the database, the log, an output line or
an error message (every message from the Hub is scrubbed of it before it is shown)."""

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import httpx2
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationDelete,
    HfApi,
    constants,
    get_token,
)
from huggingface_hub.errors import (
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    OIDCError,
)
from huggingface_hub.hf_api import RepoFile
from huggingface_hub.utils import parse_ratelimit_headers, validate_repo_id

from exports.models import Publication, Release

logger = logging.getLogger(__name__)

REPO_TYPE = "dataset"
CHECKSUMS = "SHA256SUMS"
# Files the Hub itself manages in every repo; they are neither uploaded nor deleted.
HUB_MANAGED = frozenset({".gitattributes"})
REPO_ID_SHAPE = re.compile(r"[^/\s]+/[^/\s]+")
SHA256 = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,38}")  # a valid git tag once prefixed by v
HASH_CHUNK = 1 << 20


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


@dataclass(frozen=True)
class Outcome:
    commit_sha: str
    commit_url: str
    changed: bool


def publish(
    release: Release,
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> Publication:
    """Push `release` to the Hub dataset repo `repo_id` (ORG/NAME), tagged v<version>."""
    check_repo_id(repo_id)
    files = release_files(release)
    tag = version_tag(release)
    token = token or hub_token()
    if not token:
        raise PublishError(
            "No HuggingFace token: set HF_TOKEN to a token with write access "
            "(or log in with `hf auth login`)."
        )
    endpoint = resolve_endpoint(endpoint)
    with hidden_from_logs(token):
        actually_private, outcome = upload(repo_id, tag, release, files, private, token, endpoint)
    publication = Publication.objects.create(
        release=release,
        repo_id=repo_id,
        endpoint=endpoint,
        private=actually_private,
        commit_sha=outcome.commit_sha,
        commit_url=outcome.commit_url,
        tag=tag,
        changed=outcome.changed,
        published_by=user if user is not None and user.is_authenticated else None,
    )
    logger.info(
        "Release %s %s to %s at %s (%s)",
        release.name,
        "published" if outcome.changed else "already published unchanged",
        repo_id,
        tag,
        outcome.commit_sha,
    )
    return publication


def upload(
    repo_id: str,
    tag: str,
    release: Release,
    files: list[ReleaseFile],
    private: bool,
    token: str,
    endpoint: str,
) -> tuple[bool, Outcome]:
    """Create the repo if needed, then push; any failure becomes a token-free PublishError."""
    api = HfApi(endpoint=endpoint, token=token)
    try:
        actually_private = ensure_repo(api, repo_id, private)
        return actually_private, push(api, repo_id, tag, release, Path(release.folder), files)
    except PublishError as err:
        raise PublishError(scrub(str(err), token)) from None
    except HfHubHTTPError as err:
        status = err.response.status_code if err.response is not None else None
        raise PublishError(
            scrub(describe_http_error(err, repo_id, endpoint), token),
            permanent=status is not None and status < 500 and status not in (412, 429),
            retry_after=retry_after_seconds(err.response) if status == 429 else None,
        ) from None
    except OfflineModeIsEnabled:
        raise PublishError("HF_HUB_OFFLINE is set: the Hub cannot be reached.") from None
    except ValueError as err:  # the client's own checks, e.g. README.md's metadata refused
        detail = " ".join(str(err).split()) or type(err).__name__
        raise PublishError(scrub(f"The Hub refused the upload: {detail}", token)) from None
    except httpx2.TransportError as err:
        message = f"Cannot reach the Hub at {endpoint}: {type(err).__name__}."
        raise PublishError(scrub(message, token), permanent=False) from None


# The release's side: what to upload, checked before the Hub is contacted.


def hub_token() -> str | None:
    """huggingface_hub's own resolution: HF_TOKEN, then the token file `hf auth login` saved."""
    try:
        return get_token()
    except OIDCError as err:
        raise PublishError(f"Could not obtain a Hub token through OIDC: {err}") from None


def version_tag(release: Release) -> str:
    if not VERSION.fullmatch(release.version) or ".." in release.version:
        raise PublishError(
            f"Release {release.name}'s version {release.version!r} cannot name a tag "
            "(use a semantic version such as 1.0.0)."
        )
    return f"v{release.version}"


def check_repo_id(repo_id: str) -> None:
    if not isinstance(repo_id, str) or not REPO_ID_SHAPE.fullmatch(repo_id):
        raise PublishError(
            f"Repository id {repo_id!r} is not of the form ORG/NAME "
            "(e.g. pathways-planning/emotional-intelligence-conversations)."
        )
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise PublishError(f"Repository id {repo_id!r} is not valid on the Hub: {err}") from None


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def git_blob_sha1(path: Path) -> str:
    """The id git, and so the Hub, gives a file stored as a regular (non-LFS) blob."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# The Hub's side.


def resolve_endpoint(endpoint: str | None) -> str:
    """The caller's endpoint, else HF_ENDPOINT (read now, not at import), else the client's."""
    chosen = endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
    if not re.match(r"https?://[^/\s]+", chosen):
        raise PublishError(f"Hub endpoint {chosen!r} is not an http(s) URL.")
    return chosen.rstrip("/")


def ensure_repo(api: HfApi, repo_id: str, private: bool) -> bool:
    """Create the dataset repo unless it is already ours; return whether it is private."""
    identity = api.whoami()
    role = ((identity.get("auth") or {}).get("accessToken") or {}).get("role")
    if role == "read":
        raise PublishError("The HuggingFace token is read-only: publishing needs a write token.")
    namespaces = {identity.get("name")} | {org.get("name") for org in identity.get("orgs") or []}
    namespace = repo_id.split("/")[0]
    try:
        api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=False)
    except HfHubHTTPError as err:
        status = err.response.status_code if err.response is not None else None
        if status == 409 and namespace in namespaces:
            pass  # ours already: publish into it
        elif status in (403, 409):
            raise PublishError(
                f"{repo_id} belongs to another owner or you have no write access to "
                f"{namespace} on the Hub (answer {status}); choose a namespace you can write to."
            ) from None
        else:
            raise
    is_private = bool(api.dataset_info(repo_id).private)
    if private and not is_private:
        raise PublishError(
            f"{repo_id} already exists and is public, but a private publication was asked for: "
            "make it private on the Hub first, or publish without --private."
        )
    return is_private


def push(
    api: HfApi, repo_id: str, tag: str, release: Release, folder: Path, files: list[ReleaseFile]
) -> Outcome:
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    tagged = next((ref.target_commit for ref in refs.tags if ref.name == tag), None)
    if tagged is not None:
        if differences(remote_files(api, repo_id, tagged), folder, files):
            raise PublishError(
                f"{repo_id} already has a tag {tag} holding different files; "
                "give the release a new version to publish it."
            )
        return Outcome(tagged, commit_url(api, repo_id, tagged), changed=False)
    head = next((ref.target_commit for ref in refs.branches if ref.name == "main"), None)
    remote = remote_files(api, repo_id, head) if head else {}
    if differences(remote, folder, files):
        stale = sorted(set(remote) - {entry.path for entry in files} - HUB_MANAGED)
        info = api.create_commit(
            repo_id,
            operations=[
                *additions(folder, files),
                *(CommitOperationDelete(path) for path in stale),
            ],
            commit_message=f"Release {release.name} {tag}",
            commit_description=description(release, files),
            repo_type=REPO_TYPE,
            parent_commit=head,
        )
        head, url = info.oid, info.commit_url
    elif head is None:
        raise PublishError(f"{repo_id} has no main branch to tag.")
    else:
        url = commit_url(api, repo_id, head)  # a commit made before its tag could be created
    api.create_tag(
        repo_id, tag=tag, revision=head, tag_message=f"Release {release.name}", repo_type=REPO_TYPE
    )
    return Outcome(head, url, changed=True)


def additions(folder: Path, files: list[ReleaseFile]) -> list[CommitOperationAdd]:
    """The upload operations; the client hashes each file as it reads it, and that hash must
    still be the release's (the folder may not change between the check and the upload)."""
    operations = [CommitOperationAdd(entry.path, folder / entry.path) for entry in files]
    for entry, operation in zip(files, operations, strict=True):
        if operation.upload_info.sha256.hex() != entry.sha256:
            raise PublishError(f"{entry.path} changed while it was being published; rebuild.")
    return operations


def remote_files(api: HfApi, repo_id: str, revision: str) -> dict[str, RepoFile]:
    entries = api.list_repo_tree(repo_id, recursive=True, revision=revision, repo_type=REPO_TYPE)
    return {entry.path: entry for entry in entries if isinstance(entry, RepoFile)}


def differences(remote: dict[str, RepoFile], folder: Path, files: list[ReleaseFile]) -> list[str]:
    """Paths where the Hub's files at a revision are not exactly the release's."""
    wanted = {entry.path: entry for entry in files}
    extra = sorted(set(remote) - set(wanted) - HUB_MANAGED)
    return extra + [
        path for path, entry in wanted.items() if not same_file(remote.get(path), folder, entry)
    ]


def same_file(remote: RepoFile | None, folder: Path, entry: ReleaseFile) -> bool:
    if remote is None or remote.size != entry.size:
        return False
    if remote.lfs is not None:
        return remote.lfs.sha256 == entry.sha256
    return remote.blob_id == git_blob_sha1(folder / entry.path)


def commit_url(api: HfApi, repo_id: str, oid: str) -> str:
    return f"{api.endpoint}/datasets/{repo_id}/commit/{oid}"


def description(release: Release, files: list[ReleaseFile]) -> str:
    lines = [
        f"{release.title or release.name}: {release.conversation_count} conversations, "
        f"version {release.version}.",
        "",
        *(f"{entry.sha256}  {entry.path}" for entry in files),
    ]
    return "\n".join(lines)


def describe_http_error(err: HfHubHTTPError, repo_id: str, endpoint: str) -> str:
    response = err.response
    status = response.status_code if response is not None else None
    said = server_message(err)
    if status == 401:
        return (
            f"The Hub at {endpoint} rejected the token (401{said}): "
            "check HF_TOKEN is a valid, unexpired token."
        )
    if status == 403:
        return (
            f"No write access to {repo_id} on the Hub (403{said}): check the token's permissions."
        )
    if status == 404:
        return f"{repo_id} was not found on the Hub, or the token cannot see it (404{said})."
    if status == 412:
        return f"{repo_id} changed on the Hub while publishing (412): publish again."
    if status == 429:
        seconds = retry_after_seconds(response)
        when = f"try again in {seconds} seconds." if seconds is not None else "try again later."
        return f"The Hub is rate-limiting requests (429); {when}"
    return f"The Hub answered {status}{said} while publishing to {repo_id}."


def server_message(err: HfHubHTTPError) -> str:
    message = getattr(err, "server_message", None) or ""
    first = message.strip().splitlines()[0] if message.strip() else ""
    return f": {first[:200]}" if first else ""


def retry_after_seconds(response: httpx2.Response | None) -> int | None:
    """The Hub's wait: its RateLimit headers when they caused the 429, else Retry-After."""
    if response is None:
        return None
    ratelimit = parse_ratelimit_headers(response.headers)
    if ratelimit is not None and ratelimit.remaining == 0:
        return int(ratelimit.reset_in_seconds)
    seconds = (response.headers.get("Retry-After") or "").strip()
    return int(seconds) if seconds.isdigit() else None


def scrub(message: str, token: str) -> str:
    return message.replace(token, "[token]") if token else message


# The HTTP libraries log response headers at DEBUG; should a Hub ever repeat the credentials
# there, the token must still not reach a log record. While a publication runs, every record's
# text is scrubbed of its token.
_hidden: list[str] = []
_hidden_lock = threading.Lock()
_make_record = logging.getLogRecordFactory()


def _scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    if _hidden:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        for token in list(_hidden):
            if token in message:
                message = scrub(message, token)
                record.msg, record.args = message, None
    return record


logging.setLogRecordFactory(_scrubbed_record)


@contextmanager
def hidden_from_logs(token: str) -> Iterator[None]:
    with _hidden_lock:
        _hidden.append(token)
    try:
        yield
    finally:
        with _hidden_lock:
            _hidden.remove(token)
