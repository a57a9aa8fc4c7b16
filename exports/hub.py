"""Publishing a release to a HuggingFace Hub dataset repository: the one adapter in front of the
Hub. Nothing else imports huggingface_hub's upload API.

The release folder goes up in one commit and is tagged `v<version>`. Publishing the same version
again changes nothing: the tag already points at a commit holding exactly the release's files
(compared by size and content hash), so no commit is made and the Publication says so.

Large files take the Hub's large-file (Git LFS) path: preupload says which, the LFS batch
endpoint hands out an upload URL per object not yet stored, the client PUTs it, and the commit
names it by its SHA-256. Xet, huggingface_hub's newer storage protocol, is switched off (as
HF_HUB_DISABLE_XET=1 does): the LFS path is the one the tests' loopback Hub answers. An
interrupted publication resumes: objects already stored are not asked for again, and each file's
progress is reported as it goes up (exports/hub_progress.py).

The token comes from the caller or huggingface_hub's own resolution (HF_TOKEN, then its token
file); it is handed to the client and never written to the database, the log, an output line or
an error message (every message from the Hub is scrubbed of it before it is shown)."""

import hashlib
import logging
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx2
from django.contrib.auth.models import AnonymousUser, User
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

from exports.archives import BLOCK
from exports.hub_progress import ProgressFile, Report, megabytes
from exports.models import Publication, Release
from exports.redaction import hidden_from_logs, scrub
from exports.release_files import PublishError, ReleaseFile, release_files

logger = logging.getLogger(__name__)

REPO_TYPE = "dataset"
# Files the Hub itself manages in every repo; they are neither uploaded nor deleted.
HUB_MANAGED = frozenset({".gitattributes"})
REPO_ID_SHAPE = re.compile(r"[^/\s]+/[^/\s]+")
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,38}")  # a valid git tag once prefixed by v


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
    user: User | AnonymousUser | None = None,
    progress: Report | None = None,
) -> Publication:
    """Push `release` to the Hub dataset repo `repo_id` (ORG/NAME), tagged v<version>;
    `progress` receives a line per step and per tenth of each file sent."""
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
        actually_private, outcome = upload(
            repo_id, tag, release, files, private, token, endpoint, progress or quiet
        )
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
    progress: Report,
) -> tuple[bool, Outcome]:
    """Create the repo if needed, then push; any failure becomes a token-free PublishError."""
    api = HfApi(endpoint=endpoint, token=token)
    # Read by huggingface_hub at each upload, not only at import.
    constants.HF_HUB_DISABLE_XET = True
    try:
        actually_private = ensure_repo(api, repo_id, private)
        folder = Path(release.folder)
        return actually_private, push(api, repo_id, tag, release, folder, files, progress)
    except PublishError as err:
        raise PublishError(scrub(str(err), token)) from None
    except HfHubHTTPError as err:
        raise http_error(err, repo_id, endpoint, token) from None
    except RuntimeError as err:  # how huggingface_hub reports a failed large-file upload
        if isinstance(err.__cause__, HfHubHTTPError):
            failure = http_error(err.__cause__, repo_id, endpoint, token)
            raise PublishError(
                scrub(f"{err} {failure}", token),
                permanent=failure.permanent,
                retry_after=failure.retry_after,
            ) from None
        detail = f"{err} ({err.__cause__})" if err.__cause__ else str(err)
        raise PublishError(scrub(detail, token), permanent=False) from None
    except OfflineModeIsEnabled:
        raise PublishError("HF_HUB_OFFLINE is set: the Hub cannot be reached.") from None
    except ValueError as err:  # the client's own checks, e.g. README.md's metadata refused
        detail = " ".join(str(err).split()) or type(err).__name__
        raise PublishError(scrub(f"The Hub refused the upload: {detail}", token)) from None
    except httpx2.TransportError as err:
        message = f"Cannot reach the Hub at {endpoint}: {type(err).__name__}."
        raise PublishError(scrub(message, token), permanent=False) from None


def http_error(err: HfHubHTTPError, repo_id: str, endpoint: str, token: str) -> PublishError:
    status = err.response.status_code if err.response is not None else None
    return PublishError(
        scrub(describe_http_error(err, repo_id, endpoint), token),
        permanent=status is not None and status < 500 and status not in (412, 429),
        retry_after=retry_after_seconds(err.response) if status == 429 else None,
    )


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


def git_blob_sha1(path: Path) -> str:
    """The id git, and so the Hub, gives a file stored as a regular (non-LFS) blob."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK):
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
    api: HfApi,
    repo_id: str,
    tag: str,
    release: Release,
    folder: Path,
    files: list[ReleaseFile],
    progress: Report,
) -> Outcome:
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    tagged = next((ref.target_commit for ref in refs.tags if ref.name == tag), None)
    if tagged is not None:
        if differences(remote_files(api, repo_id, tagged), folder, files):
            raise PublishError(
                f"{repo_id} already has a tag {tag} holding different files; "
                "give the release a new version to publish it."
            )
        progress(f"{repo_id} already holds {tag} unchanged: nothing to send.")
        return Outcome(tagged, commit_url(api, repo_id, tagged), changed=False)
    head = next((ref.target_commit for ref in refs.branches if ref.name == "main"), None)
    remote = remote_files(api, repo_id, head) if head else {}
    if differences(remote, folder, files):
        stale = sorted(set(remote) - {entry.path for entry in files} - HUB_MANAGED)
        total = sum(entry.size for entry in files)
        progress(f"Sending {len(files)} files ({megabytes(total)} MB) to {repo_id}:")
        with ExitStack() as stack:
            readers = [
                stack.enter_context(ProgressFile(folder / entry.path, entry.path, progress))
                for entry in files
            ]
            info = api.create_commit(
                repo_id,
                operations=[
                    *additions(files, readers),
                    *(CommitOperationDelete(path) for path in stale),
                ],
                commit_message=f"Release {release.name} {tag}",
                commit_description=description(release, files),
                repo_type=REPO_TYPE,
                parent_commit=head,
            )
        for reader in readers:
            if not reader.started:
                progress(f"  {reader.path_in_repo}: already on the Hub, not sent again")
        progress(f"Committed {info.oid[:12]}.")
        head, url = info.oid, info.commit_url
    elif head is None:
        raise PublishError(f"{repo_id} has no main branch to tag.")
    else:
        url = commit_url(api, repo_id, head)  # a commit made before its tag could be created
    api.create_tag(
        repo_id, tag=tag, revision=head, tag_message=f"Release {release.name}", repo_type=REPO_TYPE
    )
    return Outcome(head, url, changed=True)


def additions(files: list[ReleaseFile], readers: list[ProgressFile]) -> list[CommitOperationAdd]:
    """The upload operations; the client hashes each file as it reads it, and that hash must
    still be the release's (the folder may not change between the check and the upload)."""
    operations = [
        CommitOperationAdd(entry.path, reader) for entry, reader in zip(files, readers, strict=True)
    ]
    for entry, operation, reader in zip(files, operations, readers, strict=True):
        if operation.upload_info.sha256.hex() != entry.sha256:
            raise PublishError(f"{entry.path} changed while it was being published; rebuild.")
        reader.arm()
    return operations


def quiet(line: str) -> None:
    """No progress wanted."""


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
