"""Checksums and archives of a release folder, read and written in blocks (never a whole file
in memory)."""

import hashlib
import tarfile
import zipfile
from pathlib import Path

BLOCK = 1024 * 1024
CHECKSUMS = "SHA256SUMS"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def files_in(folder: Path) -> list[Path]:
    """Every file under `folder`, as paths relative to it, in a stable order."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def write_checksums(folder: Path) -> list[dict[str, object]]:
    """SHA256SUMS (sha256sum's format) for every file but itself; returns [{path, bytes, sha256}]
    for every file, SHA256SUMS included."""
    entries = []
    for relative in files_in(folder):
        if relative.as_posix() == CHECKSUMS:
            continue
        path = folder / relative
        entries.append(
            {"path": relative.as_posix(), "bytes": path.stat().st_size, "sha256": sha256_of(path)}
        )
    sums = folder / CHECKSUMS
    with sums.open("w", encoding="utf-8", newline="\n") as stream:
        for entry in entries:
            stream.write(f"{entry['sha256']}  {entry['path']}\n")
    entries.append({"path": CHECKSUMS, "bytes": sums.stat().st_size, "sha256": sha256_of(sums)})
    return entries


def write_zip(folder: Path, name: str, target: Path) -> None:
    """A zip of `folder` whose entries sit under `name/`."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for relative in files_in(folder):
            archive.write(folder / relative, f"{name}/{relative.as_posix()}")


def write_tar(folder: Path, name: str, target: Path) -> None:
    """A gzipped tar of `folder` whose entries sit under `name/`."""
    with tarfile.open(target, "w:gz") as archive:
        archive.add(folder / ".", arcname=name, recursive=False)
        for relative in files_in(folder):
            archive.add(folder / relative, arcname=f"{name}/{relative.as_posix()}")
