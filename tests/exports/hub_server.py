"""A loopback stand-in for the HuggingFace Hub: a real HTTP server on 127.0.0.1 answering the
endpoints the real `huggingface_hub` client calls while a release is published (whoami, repo
creation, README metadata validation, dataset info, refs, tree, preupload, commit, tag).

It keeps repositories, commits, files and tags in memory, checks the bearer token, and records
every request. A request it does not know is answered 404 and kept in `unknown`, so a test that
reaches an endpoint nobody implemented fails loudly instead of passing by accident.

Faults it can be told to produce: a 429 with `Retry-After` (`rate_limit`), and a repository
owned by someone else whose creation answers 403 or 409 (`foreign`)."""

import base64
import hashlib
import itertools
import json
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

VALID_TOKEN = "hf_" + "loopbackValidToken0123456789abcdef"  # split: not a committed secret
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"


def git_blob_sha1(content: bytes) -> str:
    """The object id git (and so the Hub) gives a regular file."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Commit:
    oid: str
    parent: str | None
    files: dict[str, bytes]
    summary: str
    description: str = ""
    operations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Repo:
    repo_id: str
    owner: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def head(self) -> Commit:
        return self.commits[self.branches["main"]]

    def resolve(self, revision: str) -> Commit | None:
        oid = self.branches.get(revision) or self.tags.get(revision) or revision
        return self.commits.get(oid)

    def user_commits(self) -> list[Commit]:
        """Every commit but the Hub's own initial one, oldest first."""
        return [commit for commit in self.commits.values() if commit.parent is not None]


@dataclass
class RateLimit:
    retry_after: int
    path_contains: str
    remaining: int | None  # None: every matching request
    ietf: bool  # the Hub's own `RateLimit` headers instead of `Retry-After`

    def headers(self) -> dict[str, str]:
        if self.ietf:
            return {
                "RateLimit": f'"api";r=0;t={self.retry_after}',
                "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
            }
        return {"Retry-After": str(self.retry_after)}


class HubStandIn:
    """The Hub's state and its answers; `serve()` puts it on a socket."""

    def __init__(self, token: str = VALID_TOKEN, user: str = "elena-cfp") -> None:
        self.token = token
        self.user = user
        self.orgs = ["pathways-planning"]
        self.base_url = ""
        self.repos: dict[str, Repo] = {}
        self.requests: list[dict[str, Any]] = []
        self.unknown: list[str] = []
        self.rate_limits: list[RateLimit] = []
        self.foreign: dict[str, int] = {}
        self.faults: list[tuple[str, int, str]] = []
        self.echo_token = False  # a careless Hub that repeats the offered credentials in errors
        self.commit_race = False  # someone else commits to main just before our commit lands
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.storage: Path | None = None  # where PUT bodies are spooled (tests/exports/hub_lfs.py)

    # Configuration used by the tests.

    def rate_limit(
        self,
        retry_after: int = 37,
        path_contains: str = "/api/",
        times: int | None = None,
        ietf: bool = False,
    ) -> None:
        self.rate_limits.append(RateLimit(retry_after, path_contains, times, ietf))

    def fail(self, path_contains: str, status: int, message: str) -> None:
        """Answer `status` with `message` to every request whose path contains the text."""
        self.faults.append((path_contains, status, message))

    def add_foreign_repo(self, repo_id: str, status_on_create: int = 403) -> None:
        """A public dataset repo that belongs to someone else: it can be read, not written."""
        self.foreign[repo_id] = status_on_create
        self.repos[repo_id] = self.new_repo(repo_id, owner=repo_id.split("/")[0], private=False)

    # What the tests read back.

    def commits(self, repo_id: str) -> list[Commit]:
        return self.repos[repo_id].user_commits()

    def paths_called(self) -> list[str]:
        return [f"{r['method']} {r['path']}" for r in self.requests]

    # The state.

    def new_repo(self, repo_id: str, owner: str, private: bool) -> Repo:
        repo = Repo(repo_id=repo_id, owner=owner, private=private)
        initial = Commit(self.next_oid(), None, {".gitattributes": GITATTRIBUTES}, "initial commit")
        repo.commits[initial.oid] = initial
        repo.branches["main"] = initial.oid
        return repo

    def next_oid(self) -> str:
        return hashlib.sha1(f"commit-{next(self.counter)}".encode()).hexdigest()

    def namespaces(self) -> set[str]:
        return {self.user, *self.orgs}

    def can_write(self, repo: Repo) -> bool:
        return repo.repo_id not in self.foreign and repo.owner in self.namespaces()

    # HTTP.

    def spool(self, stream: Any, length: int) -> Path:
        """A PUT body, written to disk as it arrives (a release's large files are GBs)."""
        if self.storage is None:
            self.storage = Path(tempfile.mkdtemp(prefix="hub-stand-in-"))
        with tempfile.NamedTemporaryFile(dir=self.storage, delete=False) as target:
            left = length
            while left > 0:
                block = stream.read(min(left, 1024 * 1024))
                if not block:
                    break
                target.write(block)
                left -= len(block)
        return Path(target.name)

    def presigned(self, path: str, query: dict[str, str]) -> bool:
        """Whether the URL carries its own signature (an upload URL), like an S3 one."""
        return False

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        upload: Path | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(target)
        path = unquote(url.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        self.requests.append(
            {"method": method, "path": path, "query": query, "headers": headers, "body": body}
        )
        for limit in self.rate_limits:
            if limit.path_contains in path and limit.remaining != 0:
                if limit.remaining is not None:
                    limit.remaining -= 1
                return self.error(429, "You are being rate limited.", limit.headers())
        offered = headers.get("authorization", "")
        echo = f" ({offered})" if self.echo_token else ""
        if offered != f"Bearer {self.token}" and not self.presigned(path, query):
            return self.error(401, f"Invalid credentials in Authorization header{echo}")
        for path_contains, status, message in self.faults:
            if path_contains in path:
                return self.error(status, message + echo)
        with self.lock:
            return self.route(method, path, query, body, upload)

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        upload: Path | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        if (method, path) == ("GET", "/api/whoami-v2"):
            return self.whoami()
        if (method, path) == ("POST", "/api/repos/create"):
            return self.create_repo(json.loads(body))
        if (method, path) == ("POST", "/api/validate-yaml"):
            return self.validate_yaml(json.loads(body))
        match = re.fullmatch(r"/api/datasets/([^/]+/[^/]+)(?:/(\w+)(?:/([^/]+)(/.*)?)?)?", path)
        if not match:
            return self.unknown_route(method, path)
        repo_id, action, revision, rest = match.groups()
        repo = self.repos.get(repo_id)
        if repo is None or (repo.private and repo.owner not in self.namespaces()):
            return self.error(404, "Repository not found", {"X-Error-Code": "RepoNotFound"})
        routes = {
            ("GET", None): lambda: self.dataset_info(repo, "main"),
            ("GET", "revision"): lambda: self.dataset_info(repo, revision),
            ("GET", "refs"): lambda: self.refs(repo),
            ("GET", "tree"): lambda: self.tree(repo, revision, rest, query),
            ("POST", "preupload"): lambda: self.preupload(repo, revision, json.loads(body)),
            ("POST", "commit"): lambda: self.commit(repo, revision, body),
            ("POST", "tag"): lambda: self.tag(repo, revision, json.loads(body)),
        }
        answer = routes.get((method, action))
        return answer() if answer else self.unknown_route(method, path)

    def unknown_route(self, method: str, path: str) -> tuple[int, dict[str, str], Any]:
        self.unknown.append(f"{method} {path}")
        return self.error(404, f"The stand-in does not know {method} {path}")

    @staticmethod
    def error(
        status: int, message: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        return status, {"X-Error-Message": message, **(headers or {})}, {"error": message}

    def whoami(self) -> tuple[int, dict[str, str], Any]:
        orgs = [{"type": "org", "name": org, "roleInOrg": "write"} for org in self.orgs]
        auth = {"type": "access_token", "accessToken": {"displayName": "publish", "role": "write"}}
        return 200, {}, {"type": "user", "name": self.user, "orgs": orgs, "auth": auth}

    def create_repo(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        namespace = payload.get("organization") or self.user
        repo_id = f"{namespace}/{payload['name']}"
        if payload.get("type") != "dataset":
            return self.error(
                400, f"Only dataset repos are expected here, got {payload.get('type')}"
            )
        if repo_id in self.foreign:
            status = self.foreign[repo_id]
            message = (
                "You already created this dataset repo"
                if status == 409
                else f"You don't have the rights to create a dataset under the namespace {namespace}"
            )
            return self.error(status, message)
        if namespace not in self.namespaces():
            return self.error(
                403,
                f"You don't have the rights to create a dataset under the namespace {namespace}",
            )
        url = f"{self.base_url}/datasets/{repo_id}"
        if repo_id in self.repos:
            return (
                409,
                {"X-Error-Message": "You already created this dataset repo"},
                {
                    "error": "You already created this dataset repo",
                    "url": url,
                },
            )
        private = payload.get("visibility") == "private" or payload.get("private") is True
        self.repos[repo_id] = self.new_repo(repo_id, owner=namespace, private=private)
        return 200, {}, {"url": url, "name": repo_id, "id": repo_id}

    def validate_yaml(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        content = payload.get("content", "")
        header = re.match(r"\A---\n(.*?)\n---\n", content, re.DOTALL)
        if header is None:
            return (
                200,
                {},
                {"errors": [], "warnings": [{"message": "empty or missing yaml metadata"}]},
            )
        try:
            metadata = yaml.safe_load(header.group(1))
        except yaml.YAMLError as err:
            return 400, {}, {"errors": [{"message": f"invalid YAML: {err}"}], "warnings": []}
        if not isinstance(metadata, dict):
            return 400, {}, {"errors": [{"message": "metadata must be a mapping"}], "warnings": []}
        return 200, {}, {"errors": [], "warnings": []}

    def dataset_info(self, repo: Repo, revision: str) -> tuple[int, dict[str, str], Any]:
        commit = repo.resolve(revision)
        if commit is None:
            return self.error(404, "Invalid rev id", {"X-Error-Code": "RevisionNotFound"})
        siblings = [{"rfilename": path} for path in sorted(commit.files)]
        return (
            200,
            {},
            {
                "id": repo.repo_id,
                "author": repo.owner,
                "sha": commit.oid,
                "private": repo.private,
                "disabled": False,
                "gated": False,
                "siblings": siblings,
            },
        )

    def refs(self, repo: Repo) -> tuple[int, dict[str, str], Any]:
        def ref(name: str, oid: str, kind: str) -> dict[str, str]:
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}

        return (
            200,
            {},
            {
                "branches": [ref(name, oid, "heads") for name, oid in repo.branches.items()],
                "tags": [ref(name, oid, "tags") for name, oid in repo.tags.items()],
                "converts": [],
                "pullRequests": [],
            },
        )

    def tree(
        self, repo: Repo, revision: str, under: str | None, query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        commit = repo.resolve(revision)
        if commit is None:
            return self.error(404, "Invalid rev id", {"X-Error-Code": "RevisionNotFound"})
        prefix = (under or "").strip("/")
        recursive = query.get("recursive", "false").lower() in {"1", "true"}
        entries: dict[str, dict[str, Any]] = {}
        for path, content in sorted(commit.files.items()):
            if prefix and not path.startswith(prefix + "/"):
                continue
            relative = path[len(prefix) + 1 :] if prefix else path
            if "/" in relative and not recursive:
                folder = f"{prefix}/{relative.split('/')[0]}" if prefix else relative.split("/")[0]
                entries[folder] = {"type": "directory", "oid": "0" * 40, "size": 0, "path": folder}
                continue
            if recursive:
                parts = path.split("/")[:-1]
                for depth in range(len(prefix.split("/")) if prefix else 0, len(parts)):
                    folder = "/".join(parts[: depth + 1])
                    entries[folder] = {
                        "type": "directory",
                        "oid": "0" * 40,
                        "size": 0,
                        "path": folder,
                    }
            entries[path] = {
                "type": "file",
                "oid": git_blob_sha1(content),
                "size": len(content),
                "path": path,
            }
        return 200, {}, list(entries.values())

    def preupload(
        self, repo: Repo, revision: str, payload: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        if not self.can_write(repo):
            return self.error(403, f"You don't have write access to {repo.repo_id}")
        commit = repo.resolve(revision)
        if commit is None:
            return self.error(404, "Invalid rev id", {"X-Error-Code": "RevisionNotFound"})
        files = []
        for entry in payload["files"]:
            current = commit.files.get(entry["path"])
            oid = git_blob_sha1(current) if current is not None else None
            files.append(
                {"path": entry["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid}
            )
        return 200, {}, {"files": files, "commitOid": commit.oid}

    def commit(self, repo: Repo, revision: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        if not self.can_write(repo):
            return self.error(403, f"You don't have write access to {repo.repo_id}")
        if revision not in repo.branches:
            return self.error(404, "Invalid rev id", {"X-Error-Code": "RevisionNotFound"})
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            return self.error(400, "The first line must be the commit header")
        header = lines[0]["value"]
        if self.commit_race:
            self.commit_race = False
            theirs = repo.commits[repo.branches[revision]]
            other = Commit(
                self.next_oid(), theirs.oid, {**theirs.files, "NOTES.md": b"x"}, "theirs"
            )
            repo.commits[other.oid] = other
            repo.branches[revision] = other.oid
        parent = repo.commits[repo.branches[revision]]
        if header.get("parentCommit") not in (None, parent.oid):
            return self.error(412, "A commit has happened since. Please refresh and try again.")
        files = dict(parent.files)
        operations = []
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            if key == "file" and value.get("encoding") == "base64":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile" and value["path"] in files:
                del files[value["path"]]
            else:
                return self.error(400, f"Unexpected commit line {key} for {value.get('path')}")
            operations.append({"key": key, "path": value["path"]})
        if not operations:
            return self.error(400, "No files have been modified since last commit")
        commit = Commit(
            oid=self.next_oid(),
            parent=parent.oid,
            files=files,
            summary=header.get("summary", ""),
            description=header.get("description", ""),
            operations=operations,
        )
        repo.commits[commit.oid] = commit
        repo.branches[revision] = commit.oid
        return (
            200,
            {},
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{self.base_url}/datasets/{repo.repo_id}/commit/{commit.oid}",
                "pullRequestUrl": None,
            },
        )

    def tag(
        self, repo: Repo, revision: str, payload: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        if not self.can_write(repo):
            return self.error(403, f"You don't have write access to {repo.repo_id}")
        commit = repo.resolve(revision)
        if commit is None:
            return self.error(404, "Invalid rev id", {"X-Error-Code": "RevisionNotFound"})
        if payload["tag"] in repo.tags:
            return self.error(409, f"Tag {payload['tag']} already exists")
        repo.tags[payload["tag"]] = commit.oid
        return 200, {}, {}


@contextmanager
def serve_hub(hub: HubStandIn | None = None) -> Iterator[HubStandIn]:
    """Run the stand-in on a free port; `hub.base_url` is the endpoint to give the client."""
    hub = hub or HubStandIn()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length", 0) or 0)
            upload = hub.spool(self.rfile, length) if self.command == "PUT" else None
            body = b"" if upload else self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                status, extra, payload = hub.handle(self.command, self.path, headers, body, upload)
            finally:
                if upload is not None:
                    upload.unlink(missing_ok=True)  # the hub moved what it keeps
            content = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        if hub.storage is not None:
            shutil.rmtree(hub.storage, ignore_errors=True)


# A small release folder and its Release row, as the export would leave them.

README = """---
license: cc-by-nc-4.0
pretty_name: Emotional intelligence conversations
configs:
- config_name: default
  data_files:
  - split: train
    path: conversations.jsonl
---
# Emotional intelligence conversations ({version})
"""


def write_release_folder(folder: Path, version: str = "1.0.0", variant: str = "a") -> list[dict]:
    """Write README.md, two JSONL files, a small binary figure and SHA256SUMS; return the
    [{path, bytes, sha256}] list the Release records (SHA256SUMS itself not included)."""
    contents = {
        "README.md": README.format(version=version).encode(),
        "conversations.jsonl": (
            json.dumps({"id": f"conv-{variant}-1", "turns": 4})
            + "\n"
            + json.dumps({"id": f"conv-{variant}-2", "turns": 6})
            + "\n"
        ).encode(),
        "chat/train.jsonl": json.dumps(
            {"messages": [{"role": "user", "content": f"Hello ({variant})"}]}
        ).encode()
        + b"\n",
        "figures/personas.png": b"\x89PNG\r\n\x1a\n\x00\xff" + variant.encode() * 16,
    }
    files = []
    for path, content in contents.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        files.append(
            {"path": path, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        )
    sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in files)
    (folder / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return files


def folder_contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }
