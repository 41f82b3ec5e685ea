"""What the benchmark starts and stops: its own PostgreSQL database, a private redis-server, a
Celery worker and gunicorn, each pointed at the same database and broker.

Nothing here touches a process it did not start: each is a child of this run, stopped by its own
pid when the run ends (also on an error or Ctrl-C).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            name=parts.path.lstrip("/"),
        )

    @property
    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{self.name}"

    def _admin(self):
        import psycopg2

        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname="postgres",
        )
        connection.autocommit = True
        return connection

    def recreate(self) -> None:
        """A fresh, empty database of this name (the benchmark's own: never a shared one)."""
        if not self.name.startswith("exportctl_bench"):
            raise ValueError(f"refusing to drop {self.name!r}: not a benchmark database")
        with contextlib.closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{self.name}"')

    def size(self) -> int:
        with contextlib.closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(%s)", [self.name])
            return int(cursor.fetchone()[0])


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f}s")


class Child:
    """One child process with its log file; ``stop()`` ends it (and only it) by pid."""

    def __init__(self, name: str, args: list[str], *, env: dict, log: Path) -> None:
        self.name = name
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def start_redis(port: int, log_dir: Path) -> Child:
    """A private, memory-only redis-server (no RDB, no AOF) in the foreground, as our child."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    child = Child(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        env=dict(os.environ),
        log=log_dir / "redis.log",
    )
    wait_for_port(port, timeout=15, process=child.process)
    return child


#: docker-compose.yml's recycling of the web workers: a receipt's first download renders its PDF
#: in the web process, and WeasyPrint's heap is not given back (tests/documents tie the two).
#: The master loads the app first (``--preload``) and a recycled worker is a fork of it, ready at
#: once: without it each new worker imported Django and the app again, for seconds, and the three
#: workers (recycled within seconds of each other) held requests up to 13 s at 50 exporters.
GUNICORN_RECYCLING = ["--preload", "--max-requests", "1000", "--max-requests-jitter", "100"]
#: docker-compose.yml's documents-worker: a new child after 200 documents or 350 MiB (KiB).
DOCUMENTS_WORKER_RECYCLING = ["--max-tasks-per-child", "200", "--max-memory-per-child", "358400"]


def start_worker(
    env: dict, log_dir: Path, *, concurrency: int, queues: str = "celery", name: str = "worker"
) -> Child:
    """A worker on ``queues``; the documents worker runs at a lower CPU priority (``nice``) and
    replaces its child by task count and memory, the mail worker at a little lower priority, as
    docker-compose.yml runs them."""
    niceness = {"documents-worker": ["nice", "-n", "10"], "mail-worker": ["nice", "-n", "5"]}.get(
        name, []
    )
    recycling = DOCUMENTS_WORKER_RECYCLING if name == "documents-worker" else []
    child = Child(
        name,
        [
            *niceness,
            sys.executable,
            "-m",
            "celery",
            "-A",
            "exportctl",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--queues",
            queues,
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *recycling,
        ],
        env=env,
        log=log_dir / f"{name}.log",
    )
    deadline = time.monotonic() + 90
    while "ready." not in child.log_tail(20000):
        if not child.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker did not start:\n{child.log_tail()}")
        time.sleep(0.2)
    return child


def start_gunicorn(env: dict, log_dir: Path, *, port: int, workers: int) -> Child:
    child = Child(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "exportctl.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--backlog",
            "256",
            *GUNICORN_RECYCLING,
        ],
        env=env,
        log=log_dir / "gunicorn.log",
    )
    wait_for_port(port, timeout=60, process=child.process)
    return child
