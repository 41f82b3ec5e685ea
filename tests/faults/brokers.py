"""Real brokers and workers for fault tests: a private ``redis-server``, a broker that accepts
connections and never answers, pointing this process's Celery app at one of them, and a
``celery worker`` subprocess on the test database that a test may kill.

Everything here is started by the test that uses it and stopped by it: no test of this folder
touches the Redis of ``REDIS_URL`` or another engineer's queue.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from kombu import pools as kombu_pools

from exportctl.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reset_producer_pools() -> None:
    """Close pooled broker connections, so the next publish connects to the current URL."""
    kombu_pools.reset()  # the process-wide pools, keyed by connection, that the app draws from
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str):
    """Publish this process's tasks to ``url`` for real (not eagerly) while inside."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    _reset_producer_pools()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield
    finally:
        _reset_producer_pools()
        conf.broker_url, conf.task_always_eager = saved


class RedisServer:
    """A throwaway ``redis-server`` on its own port; stop and start it again on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port)


class SilentBroker:
    """A TCP server that accepts connections and never answers: a hung or half-open broker."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _address = self.socket.accept()
                self.accepted.append(connection)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.socket.close()


class Worker:
    """A ``celery worker`` subprocess in a session of its own, so that SIGKILL reaches the main
    process and its pool children at once, as when a container or host dies."""

    def __init__(self, *, broker_url: str, database_url: str, queue: str, log_path: Path, env=None):
        self.log_path = log_path
        self._log = open(log_path, "a")  # noqa: SIM115 - closed in stop()/kill()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "exportctl",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--queues",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "REDIS_URL": broker_url,
                "DATABASE_URL": database_url,
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                **(env or {}),
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for(lambda: "ready." in self.log(), timeout=timeout, worker=self)

    def pool_children(self) -> list[int]:
        """The pids of the prefork pool's child processes (those that run the tasks)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool children, no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any orphaned pool child
        self._log.close()


def wait_for(condition, *, timeout: float, interval: float = 0.2, worker: Worker | None = None):
    """Poll ``condition`` until it returns something truthy; fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker is not None and worker.process.poll() is not None:
            break
        time.sleep(interval)
    log = worker.log()[-6000:] if worker is not None else ""
    raise AssertionError(f"condition not met within {timeout}s; worker log:\n{log}")
