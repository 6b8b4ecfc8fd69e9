"""Private, throwaway servers for `make faults`, all on loopback.

PostgreSQL and Redis here are our own instances on their own ports and in a
temporary folder, so stopping, killing and freezing them never touches the
shared servers on 5432 and 6379 that other work uses. Every process is
stopped by its own pid.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tools.faults.load import request

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port(preferred: int) -> int:
    """`preferred` if nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(
            f"make faults needs PostgreSQL's {name} (apt-get install postgresql)."
        )
    return found


class PrivatePostgres:
    """A PostgreSQL cluster in `folder`, run by the postgres OS user when we are
    root (the server refuses to run as root)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.log = folder / "postgresql.log"
        self.as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/diseasemaps"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
        return done

    def create(self) -> None:
        if self.as_postgres:
            shutil.chown(self.folder, user="postgres")
        self._run(
            pg_tool("initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "-A", "trust",
            "-E", "UTF8",
            "--no-sync",  # initdb only; the running server keeps fsync on
        )  # fmt: skip
        self.start()
        self._run(
            pg_tool("createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", "diseasemaps",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200"
        )
        self._run(
            pg_tool("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.log), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """fast: sessions are ended, then a clean shutdown; immediate: the
        server quits at once and recovers from its WAL on the next start, as
        after a crash."""
        self._run(
            pg_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
            check=False,
        )  # fmt: skip

    def close(self) -> None:
        self.stop("immediate")


class PrivateRedis:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise SystemExit("make faults needs redis-server (apt-get install redis).")
        self.process = subprocess.Popen(
            [
                redis_server, "--bind", "127.0.0.1", "--port", str(self.port),
                "--save", "", "--appendonly", "no", "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        """Redis stopped: nothing listens, connections are refused."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # in case it was frozen
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Redis hung: the kernel still accepts connections, nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def flush(self) -> None:
        """Empty it (rate-limit counts and cached pages) between scenarios."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(64)

    def key_count(self) -> int:
        """How many keys it holds (DBSIZE): 0 right after a restart."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"DBSIZE\r\n")
            reply = conn.recv(64)  # ":<count>\r\n"
        return int(reply.strip().lstrip(b":"))

    def close(self) -> None:
        self.stop()


class Gunicorn:
    def __init__(self, folder: Path, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.env = env
        self.log = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "diseasemaps.wsgi",
                "--bind", f"127.0.0.1:{self.port}",
                # Two cores: two workers with threads, as a small production box.
                "--workers", "2", "--worker-class", "gthread", "--threads", "6",
                "--timeout", "30", "--graceful-timeout", "5",
                "--log-level", "warning",
            ],
            env=self.env,
            stdout=log,
            stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if request(self.port, "GET", "/robots.txt").status == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def close(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
