"""A private PostgreSQL server for a drill that restarts it: initdb into a temporary folder,
run as the postgres user (runuser) on a free port. The shared server others' tests run on is
never touched."""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")


def as_postgres(program: str, *args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", str(BIN / program), *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.data = folder / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/eid_drill"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = as_postgres("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"))
        subprocess.run(
            [*command, "-o", options, "-w", *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def restart(self) -> float:
        """Restart the server (fast shutdown: every session is ended); seconds it took."""
        began = time.monotonic()
        self.pg_ctl("-m", "fast", "restart")
        return time.monotonic() - began

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self.pg_ctl("start")

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(
            self.url.replace("postgres://", "postgresql://"), autocommit=True
        ) as db:
            return db.execute(sql, params).fetchall()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (BIN / "initdb").exists() or shutil.which("runuser") is None:
        raise RuntimeError(f"the drill needs PostgreSQL's {BIN}/initdb and runuser")
    folder = Path(tempfile.mkdtemp(prefix="eid-drill-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    server = PrivatePostgres(folder, free_port())
    subprocess.run(
        as_postgres("initdb", "-D", str(server.data), "-A", "trust", "-U", "postgres", "--no-sync"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.pg_ctl("start")
    try:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE eid_drill")
        yield server
    finally:
        subprocess.run(
            as_postgres("pg_ctl", "-D", str(server.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)
