"""The loopback Hub's large-file path, as the real Hub answers it for big files:

1. `preupload` says `uploadMode: "lfs"` for a file of LARGE_FILE bytes or more;
2. the Git LFS batch endpoint (`/datasets/ORG/NAME.git/info/lfs/objects/batch`, basic transfer)
   answers each object it does not hold with a signed upload URL and a verify URL, and an object
   it already holds with no actions (so an interrupted publication resumes without re-sending);
3. the client PUTs the bytes to the upload URL (no token: the URL is signed, like S3's); the
   stand-in streams them to disk and keeps them only if their SHA-256 and size are the object's;
4. the commit names the file by an `lfsFile` line (sha256 oid and size), refused if the object
   never arrived; the repository then holds a Git LFS pointer, and the tree lists the file with
   its `lfs` info, as the real Hub's does.

Xet is not offered: the batch answer's transfer is "basic"."""

import base64
import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.exports.hub_server import Commit, HubStandIn, Repo

LARGE_FILE = 10 * 1024 * 1024  # the Hub stores files of 10 MB and more through LFS
POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n"
POINTER_SHAPE = re.compile(rb"version https://git-lfs\.github\.com/spec/v1\noid sha256:(\w{64})\n")
BATCH = re.compile(r"/datasets/([^/]+/[^/]+)\.git/info/lfs/objects/batch")
UPLOAD = re.compile(r"/lfs-upload/(\w{64})")
VERIFY = re.compile(r"/lfs-verify/(\w{64})")


def pointer(oid: str, size: int) -> bytes:
    return POINTER.format(oid=oid, size=size).encode()


def pointed_oid(content: bytes) -> str | None:
    match = POINTER_SHAPE.match(content)
    return match.group(1).decode() if match else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


class LfsHubStandIn(HubStandIn):
    def __init__(self, *args: Any, large_file: int = LARGE_FILE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.large_file = large_file
        self.objects: dict[str, Path] = {}  # sha256 -> the stored bytes
        self.sizes: dict[str, int] = {}
        self.uploads: list[str] = []  # the oid of every PUT that arrived whole
        self.transfers_offered: list[list[str]] = []
        self.drop_uploads = 0  # the next N PUTs fail halfway, as a dropped connection would
        self.secret = b"loopback-signing-key"

    # What the tests read back.

    def file_bytes(self, commit: Commit, path: str) -> bytes:
        """A file's content at a commit, an LFS pointer followed to its object."""
        content = commit.files[path]
        oid = pointed_oid(content)
        return self.objects[oid].read_bytes() if oid else content

    def lfs_paths(self, commit: Commit) -> set[str]:
        return {path for path, content in commit.files.items() if pointed_oid(content)}

    # The large-file endpoints.

    def sign(self, oid: str) -> str:
        return hmac.new(self.secret, oid.encode(), hashlib.sha256).hexdigest()

    def presigned(self, path: str, query: dict[str, str]) -> bool:
        match = UPLOAD.fullmatch(path)
        return bool(match) and hmac.compare_digest(
            query.get("signature", ""), self.sign(match.group(1))
        )

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        upload: Path | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        if (match := BATCH.fullmatch(path)) and method == "POST":
            return self.batch(match.group(1), json.loads(body))
        if (match := UPLOAD.fullmatch(path)) and method == "PUT" and upload is not None:
            return self.receive(match.group(1), upload)
        if (match := VERIFY.fullmatch(path)) and method == "POST":
            return self.verify(match.group(1), json.loads(body))
        return super().route(method, path, query, body, upload)

    def batch(self, repo_id: str, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        repo = self.repos.get(repo_id)
        if repo is None:
            return self.error(404, "Repository not found")
        if not self.can_write(repo):
            return self.error(403, f"You don't have write access to {repo_id}")
        if payload.get("operation") != "upload" or payload.get("hash_algo") != "sha256":
            return self.error(400, "Only sha256 uploads are expected here")
        self.transfers_offered.append(list(payload.get("transfers") or []))
        if "basic" not in (payload.get("transfers") or ["basic"]):
            return self.error(422, "The stand-in only offers the basic transfer")
        return (
            200,
            {},
            {"transfer": "basic", "objects": [self.action(o) for o in payload["objects"]]},
        )

    def action(self, item: dict[str, Any]) -> dict[str, Any]:
        oid, size = item["oid"], item["size"]
        answer = {"oid": oid, "size": size, "authenticated": True}
        if oid in self.objects:
            return answer  # already stored: nothing to send
        upload = f"{self.base_url}/lfs-upload/{oid}?signature={self.sign(oid)}"
        verify = f"{self.base_url}/lfs-verify/{oid}"
        self.sizes[oid] = size
        return {**answer, "actions": {"upload": {"href": upload}, "verify": {"href": verify}}}

    def receive(self, oid: str, upload: Path) -> tuple[int, dict[str, str], Any]:
        if self.drop_uploads:
            self.drop_uploads -= 1
            return self.error(500, "The upload was interrupted")
        size = upload.stat().st_size
        if oid not in self.sizes or size != self.sizes[oid] or sha256_file(upload) != oid:
            return self.error(400, f"The uploaded bytes are not object {oid} ({size} bytes)")
        assert self.storage is not None
        kept = self.storage / f"object-{oid}"
        shutil.move(upload, kept)
        self.objects[oid] = kept
        self.uploads.append(oid)
        return 200, {}, {}

    def verify(self, oid: str, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if oid not in self.objects or payload.get("size") != self.objects[oid].stat().st_size:
            return self.error(404, f"Object {oid} was not uploaded")
        return 200, {}, {}

    # The regular endpoints, taught about large files.

    def preupload(
        self, repo: Repo, revision: str, payload: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        status, headers, answer = super().preupload(repo, revision, payload)
        if status != 200:
            return status, headers, answer
        commit = repo.resolve(revision)
        sizes = {entry["path"]: entry["size"] for entry in payload["files"]}
        for entry in answer["files"]:
            if sizes[entry["path"]] >= self.large_file:
                entry["uploadMode"] = "lfs"
                current = commit.files.get(entry["path"]) if commit else None
                entry["oid"] = pointed_oid(current) if current else None
        return status, headers, answer

    def commit(self, repo: Repo, revision: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        lines, large = [], set()
        for raw in body.splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            if line.get("key") == "lfsFile":
                value = line["value"]
                oid, size = value["oid"], value["size"]
                stored = self.objects.get(oid)
                if value.get("algo") != "sha256" or stored is None:
                    return self.error(
                        400,
                        f"Your push was rejected: LFS object {oid} of {value['path']} is missing",
                    )
                if stored.stat().st_size != size:
                    return self.error(400, f"LFS object {oid} is not {size} bytes")
                content = pointer(oid, size)
                line = {
                    "key": "file",
                    "value": {
                        "path": value["path"],
                        "encoding": "base64",
                        "content": base64.b64encode(content).decode(),
                    },
                }
                large.add(value["path"])
            lines.append(json.dumps(line))
        status, headers, answer = super().commit(repo, revision, "\n".join(lines).encode())
        if status == 200:
            for operation in repo.head.operations:
                if operation["path"] in large:
                    operation["key"] = "lfsFile"
        return status, headers, answer

    def tree(
        self, repo: Repo, revision: str, under: str | None, query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        status, headers, entries = super().tree(repo, revision, under, query)
        if status != 200:
            return status, headers, entries
        commit = repo.resolve(revision)
        for entry in entries:
            content = commit.files.get(entry["path"]) if commit else None
            oid = pointed_oid(content) if content else None
            if oid:
                size = self.objects[oid].stat().st_size
                entry["size"] = size
                entry["lfs"] = {"oid": oid, "size": size, "pointerSize": len(content)}
        return status, headers, entries
