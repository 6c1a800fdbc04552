"""Server-side measurements: the app in-process (WSGI through Flask's test client) and over
real HTTP from gunicorn (sequential requests for latency, wrk for throughput). Routes and
accounts are always interleaved in an order drawn from a seeded RNG, so that drift on a busy
machine falls on every route alike; figures are medians and ratios within one run."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from urllib.parse import urlsplit

from common import PAGE_HEADERS, ROOT, USER_AGENT, median, quantile

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving bench/wsgi_app.py (sync workers, the README's way) on a free port of
    127.0.0.1, with the benchmark's database and configuration from the environment."""

    def __init__(self, workdir: Path, env: dict[str, str], workers: int = 2,
                 page_size: int | None = None, name: str = "app") -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.workers = workers
        self.log_path = workdir / f"gunicorn-{name}.log"
        child_env = {**os.environ, **env}
        if page_size:
            child_env["BENCH_PAGE_SIZE"] = str(page_size)
        command = [str(GUNICORN) if GUNICORN.exists() else "gunicorn",
                   "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                   "--chdir", str(ROOT), "--pythonpath", str(ROOT),
                   "--log-level", "warning", "--graceful-timeout", "5",
                   "bench.wsgi_app:app"]
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(command, env=child_env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}): "
                                   f"{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                status, _ = get(self.url, "/healthz")
                if status == 200 and len(self.worker_pids()) >= workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not answer /healthz within 90 s")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far (from /proc/<pid>/stat)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def get(base: str, path: str, headers: dict[str, str] | None = None,
        timeout: float = 30) -> tuple[int, bytes]:
    """One GET on a new connection (gunicorn's sync workers close it after each response, as
    they do for a browser); returns the status and the body as sent (not decoded)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {"User-Agent": USER_AGENT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Task:
    """One route of one account, timed in the interleaved rounds."""
    key: str
    path: str
    headers: dict[str, str]
    client: object = None          # Flask test client (in-process) or None
    cookie: str = ""               # Cookie header (over HTTP)
    times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def _check(task: Task, status: int) -> None:
    task.statuses[status] = task.statuses.get(status, 0) + 1
    if status != 200:
        raise RuntimeError(f"{task.key}: {task.path} answered {status}")


def _wsgi_once(task: Task) -> float:
    start = time.perf_counter()
    response = task.client.get(task.path, headers=task.headers)
    response.get_data()
    elapsed = time.perf_counter() - start
    _check(task, response.status_code)
    return elapsed


def _http_once(base: str, task: Task) -> float:
    headers = dict(task.headers)
    if task.cookie:
        headers["Cookie"] = task.cookie
    start = time.perf_counter()
    status, _ = get(base, task.path, headers)
    elapsed = time.perf_counter() - start
    _check(task, status)
    return elapsed


def interleaved(tasks: list[Task], rounds: int, rng: Random, once, warmup: int = 10) -> dict:
    """Time every task once per round, in a new random order each round; returns
    {key: {median_ms, p10_ms, p90_ms, n}} and keeps the raw times on the tasks."""
    for _ in range(warmup):
        for task in tasks:
            once(task)
    order = list(tasks)
    for _ in range(rounds):
        rng.shuffle(order)
        for task in order:
            task.times.append(once(task))
    return {task.key: {"median_ms": median(task.times) * 1000,
                       "p10_ms": quantile(task.times, 0.1) * 1000,
                       "p90_ms": quantile(task.times, 0.9) * 1000,
                       "n": len(task.times), "path": task.path} for task in tasks}


def wsgi_bench(tasks: list[Task], rounds: int, rng: Random) -> dict:
    return interleaved(tasks, rounds, rng, _wsgi_once)


def http_bench(base: str, tasks: list[Task], rounds: int, rng: Random) -> dict:
    return interleaved(tasks, rounds, rng, lambda task: _http_once(base, task), warmup=5)


def count_queries(app, client, path: str, headers: dict[str, str]) -> int:
    """SQL statements the app sends for one request (explicit BEGINs not counted)."""
    from sqlalchemy import event

    from webapp.extensions import db

    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(statements)


def count_built_queries(app, client, path: str, headers: dict[str, str]) -> int:
    """count_queries with nothing kept (PAGE_MEMO_ENTRIES 0): what building the answer
    reads, as every request did before pages were kept per what they read."""
    old = app.config["PAGE_MEMO_ENTRIES"]
    app.config["PAGE_MEMO_ENTRIES"] = 0
    try:
        return count_queries(app, client, path, headers)
    finally:
        app.config["PAGE_MEMO_ENTRIES"] = old


# -- throughput ----------------------------------------------------------------------------

def ensure_wrk(install: bool) -> str | None:
    """The wrk binary; as root, `apt-get install -y wrk` when it is missing and allowed."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("bench: wrk is missing; apt-get install -y wrk", flush=True)
    try:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=240,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    except (OSError, subprocess.SubprocessError):
        return None
    return shutil.which("wrk")


def _parse_wrk(text: str) -> dict:
    def number(pattern: str) -> float:
        match = re.search(pattern, text)
        return float(match.group(1)) if match else 0.0

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    return {"requests": int(number(r"(\d+) requests in")),
            "rps": number(r"Requests/sec:\s+([\d.]+)"),
            "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
            "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0}


def _python_load(base: str, task: Task, seconds: float, connections: int) -> dict:
    """Fallback load generator when wrk is unavailable: `connections` threads, each doing
    sequential GETs for `seconds` (one connection per request, as gunicorn's sync workers
    close them). The client shares the GIL and the CPUs, so it reaches less than wrk."""
    counts = [0] * connections
    bad = [0] * connections
    stop = time.monotonic() + seconds
    headers = {**task.headers, "Cookie": task.cookie} if task.cookie else task.headers

    def worker(n: int) -> None:
        while time.monotonic() < stop:
            try:
                status, _ = get(base, task.path, headers)
            except OSError:
                bad[n] += 1
                continue
            counts[n] += 1
            if status != 200:
                bad[n] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests": sum(counts), "rps": sum(counts) / elapsed, "non_2xx": sum(bad),
            "socket_errors": 0}


def throughput(server: Gunicorn, tasks: list[Task], seconds: float, rounds: int, rng: Random,
               wrk: str | None, connections: int = 4) -> dict:
    """Requests per second of each task under load (wrk, `connections` connections, one
    thread), `rounds` runs of `seconds` each in an interleaved random order; also requests
    per CPU-second of the gunicorn workers. Returns per task the median run and all runs."""
    runs: dict[str, list[dict]] = {task.key: [] for task in tasks}
    order = list(tasks)
    for _ in range(rounds):
        rng.shuffle(order)
        for task in order:
            cpu_before = server.cpu_seconds()
            if wrk:
                command = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "10s", "-H", f"User-Agent: {USER_AGENT}"]
                for name, value in task.headers.items():
                    if name != "User-Agent":
                        command += ["-H", f"{name}: {value}"]
                if task.cookie:
                    command += ["-H", f"Cookie: {task.cookie}"]
                command.append(server.url + task.path)
                result = subprocess.run(command, capture_output=True, text=True,
                                        timeout=seconds + 60)
                run = _parse_wrk(result.stdout)
                if result.returncode != 0 or not run["requests"]:
                    raise RuntimeError(f"wrk failed: {result.stdout[-500:]} {result.stderr[-500:]}")
            else:
                run = _python_load(server.url, task, seconds, connections)
            cpu = server.cpu_seconds() - cpu_before
            run["worker_cpu_s"] = round(cpu, 3)
            run["per_cpu_s"] = run["requests"] / cpu if cpu > 0 else None
            if run["non_2xx"] or run["socket_errors"]:
                run["warning"] = (f"{run['non_2xx']} non-2xx responses, "
                                  f"{run['socket_errors']} socket errors")
            runs[task.key].append(run)
    summary = {}
    for key, rows in runs.items():
        summary[key] = {"rps": median(r["rps"] for r in rows),
                        "per_cpu_s": median(r["per_cpu_s"] for r in rows if r["per_cpu_s"]),
                        "requests": sum(r["requests"] for r in rows),
                        "non_2xx": sum(r["non_2xx"] for r in rows),
                        "socket_errors": sum(r["socket_errors"] for r in rows),
                        "runs": rows}
    return summary


def http_page_bytes(base: str, path: str, cookie: str = "") -> dict:
    """The size of a page as sent (with the browser's Accept-Encoding) and its encoding."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = dict(PAGE_HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return {"status": response.status, "bytes": len(body),
                "content_encoding": response.getheader("Content-Encoding") or "identity"}
    finally:
        conn.close()
