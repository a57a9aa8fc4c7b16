"""A real PgBouncer in transaction mode in front of the local PostgreSQL, as Supabase's pooler
(port 6543) serves the database to workers on other machines."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

PGBOUNCER = Path(os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer"))

CONFIG = """\
[databases]
* = host={host} port={port} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
admin_users = {user}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgBouncer:
    """Started on a free port; `url(name)` reaches database `name` through it."""

    def __init__(self, host: str, port: int, user: str) -> None:
        self.user = user
        self.port = free_port()
        # PgBouncer refuses to run as root: as root it is started as the postgres user, in a
        # folder that user owns.
        self.folder = Path(tempfile.mkdtemp(prefix="eid-pgbouncer-"))
        (self.folder / "userlist.txt").write_text(f'"{user}" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            CONFIG.format(host=host, port=port, user=user, listen=self.port, folder=self.folder)
        )
        command = [str(PGBOUNCER), str(config)]
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            for path in self.folder.iterdir():
                shutil.chown(path, "postgres")
            command[1:1] = ["-u", "postgres"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()}")
            try:
                self.stats()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not come up in {timeout} s: {self.log()}")

    def url(self, database: str, query: str = "") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}{query}"

    def stats(self) -> dict[str, dict[str, int]]:
        """SHOW STATS from PgBouncer's admin console: totals per database."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="pgbouncer", autocommit=True
        ) as admin:
            cursor = admin.execute("SHOW STATS")
            names = [column.name for column in cursor.description]
            return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
