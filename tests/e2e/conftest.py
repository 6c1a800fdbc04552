"""Browser end-to-end fixtures: the real app served from a thread on 127.0.0.1 with its own
SQLite database and log file, Debian's Chromium driven by Playwright, a recorder of every
request the browser sends (pages and service worker), the no-plaintext proof, and axe-core for
accessibility."""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

from .device import device_dump
from .leaks import find_leaks, leak_needles, new_marker

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium, or set "
                    "CHROMIUM_PATH")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class LiveServer:
    """The app on a free port in a background thread; its database and log on disk."""

    def __init__(self, workdir: Path) -> None:
        self.db_path = workdir / "e2e.sqlite3"
        self.log_path = workdir / "server.log"
        os.environ["TEST_DATABASE_URL"] = f"sqlite:///{self.db_path}"
        self.app = create_app(TestConfig)
        self.app.config["RATELIMIT_AUTH"] = "1000 per minute"
        with self.app.app_context():
            upgrade()
        handler = logging.FileHandler(self.log_path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        for name in ("werkzeug", "webapp", ""):
            logging.getLogger(name).addHandler(handler)
        self.app.logger.addHandler(handler)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        with self.app.app_context():
            db.engine.dispose()

    def stored_files(self) -> dict[str, bytes]:
        """{file name: bytes} of every file of the database on disk: the main file, the
        write-ahead log and its index, and a rollback journal, those that exist."""
        files = {}
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(str(self.db_path) + suffix)
            if path.exists():
                files[path.name] = path.read_bytes()
        return files

    def stored_bytes(self) -> bytes:
        """Everything the database holds on disk (main file, WAL, shm, journal)."""
        return b"".join(self.stored_files().values())

    def log_bytes(self) -> bytes:
        return self.log_path.read_bytes() if self.log_path.exists() else b""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    previous = os.environ.get("TEST_DATABASE_URL")
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()
    if previous is None:
        os.environ.pop("TEST_DATABASE_URL", None)
    else:
        os.environ["TEST_DATABASE_URL"] = previous


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740},
            "locale": "fi-FI"}


@dataclass
class Sent:
    """One request as the browser sent it."""
    method: str
    url: str
    headers: bytes          # "name: value" lines
    body: bytes
    by_worker: bool         # made by the service worker, not by a page

    def label(self) -> str:
        return f"{self.method} {self.url[:120]}" + (" (service worker)" if self.by_worker else "")


class Recorder:
    """Every request the browser contexts it is attached to send (pages and the service
    worker alike: Playwright reports both on the context), and CSP/page errors seen. Also every
    dialog a page opened (kept apart from `problems`: a "Leave site?" prompt is accepted, as
    Playwright does by default, and tests that care assert on `dialogs`).

    It also keeps the contexts, so that the proof can look into each device: what IndexedDB,
    Cache Storage, Web Storage and the cookie jar hold when the proof runs, and, for a context
    a test closed before that, what they held just before it was closed."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.bodies: list[bytes] = []
        self.urls: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.contexts: list = []
        self.closed_devices: list[tuple[str, bytes]] = []

    # Chromium words its console messages differently across versions ("Refused to ...",
    # "... violates the following Content Security Policy directive ..."): the page's own
    # securitypolicyviolation event is reported too, in words the recorder always knows.
    CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => console.error(
        `Content Security Policy violation: ${e.effectiveDirective} blocked ${e.blockedURI}`));"""

    def attach(self, context) -> None:
        context.add_init_script(self.CSP_LISTENER)
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("page", self._on_page)
        for page in context.pages:
            self._on_page(page)
        self.contexts.append(context)
        original_close = context.close

        def close(*args, **kwargs):
            # A device closed inside a test is looked into first: the proof runs later.
            if context in self.contexts:
                self.closed_devices.extend(self._device_haystacks(context, closing=True))
                self.contexts.remove(context)
            return original_close(*args, **kwargs)

        context.close = close
        context.close_unrecorded = original_close

    def detach(self, context) -> None:
        """Forget a context: its device is no longer looked into."""
        if context in self.contexts:
            self.contexts.remove(context)

    def _on_request(self, request) -> None:
        self.urls.append(request.url)
        body = request.post_data_buffer or b""
        if body:
            self.bodies.append(body)
        # `headers` is what Playwright knows without a round trip to the browser: everything
        # a script can set. It leaves out the Cookie header, so the cookie jar is searched.
        headers = "".join(f"{k}: {v}\n" for k, v in request.headers.items()).encode()
        self.sent.append(Sent(request.method, request.url, headers, body,
                              request.service_worker is not None))

    def _on_response(self, response) -> None:
        # Without the header a CSP violation could not happen, and the proof would be empty.
        if response.request.resource_type == "document":
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy:
                self.problems.append(f"csp: no strict Content-Security-Policy on {response.url}")

    def _on_page(self, page) -> None:
        page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        page.on("console", self._on_console)
        page.on("dialog", lambda dialog: self._on_dialog(page, dialog))

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"csp: {text}")

    def _on_dialog(self, page, dialog) -> None:
        self.dialogs.append(f"{dialog.type} on {page.url}: {dialog.message}")
        if dialog.type == "beforeunload":
            dialog.accept()
        else:
            dialog.dismiss()

    def leave_prompts(self) -> list[str]:
        return [d for d in self.dialogs if d.startswith("beforeunload")]

    PARTS = {"indexeddb": "IndexedDB", "caches": "Cache Storage", "storage": "Web Storage"}

    def devices(self) -> list[tuple[str, bytes]]:
        """(where, bytes) for every device: those closed during the test, those still open."""
        found = list(self.closed_devices)
        for context in list(self.contexts):
            found.extend(self._device_haystacks(context))
        return found

    def _device_haystacks(self, context, closing: bool = False) -> list[tuple[str, bytes]]:
        name = f"device {self.contexts.index(context) + 1}" if context in self.contexts \
            else "device"
        if closing:
            name += " (closed in the test)"
        try:
            cookies = context.cookies()
        except Exception as exc:  # the browser is gone: nothing is left to look into
            self.problems.append(f"device scan: {name} cannot be read: {exc}")
            return []
        found = [(f"{name} cookies",
                  "".join(f"{c['name']}={c['value']}; " for c in cookies).encode())]
        dump = self._dump(context)
        if dump is None:
            self.problems.append(f"device scan: no page of {name} could be read (its pages: "
                                 f"{[p.url for p in context.pages]})")
            return found
        for part, value in dump.items():
            text = json.dumps(value, ensure_ascii=False)
            found.append((f"{name} {self.PARTS.get(part, part)}",
                          text.encode("utf-8", "surrogatepass")))
        return found

    def _dump(self, context) -> dict | None:
        """IndexedDB, Cache Storage and Web Storage, read through a page of the app's origin:
        one that is open, else a fresh one on /healthz (plain text: no app script runs)."""
        pages = [p for p in context.pages if p.url.startswith("http")]
        for page in pages:
            for _attempt in range(3):
                try:
                    return device_dump(page)
                except Exception:  # mid-navigation: let the document settle and try again
                    try:
                        page.wait_for_load_state("load", timeout=5_000)
                    except Exception:
                        break
        origin = next((p.url for p in pages), None) or next(
            (s.url for s in reversed(self.sent) if s.url.startswith("http")), None)
        if origin is None:
            return None
        page = context.new_page()
        try:
            page.goto("/".join(origin.split("/", 3)[:3]) + "/healthz", timeout=10_000)
            return device_dump(page)
        except Exception:
            return None
        finally:
            page.close()


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def new_context(browser, base_url, recorder):
    """Make fresh browser contexts ("devices"), all recorded."""
    contexts = []

    def make(**kwargs):
        options = {"base_url": base_url, "viewport": {"width": 360, "height": 740},
                   "locale": "fi-FI", **kwargs}
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        recorder.attach(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        recorder.detach(context)   # the proof has run: no need to look into it again
        context.close_unrecorded()


@pytest.fixture
def marker():
    """Text typed into entries that must never reach the server unsealed: a UUID4 between
    fixed text that makes every encoding distinct (see `leaks.new_marker`)."""
    return new_marker()


def leaks_of(live_server, recorder, marker) -> list[str]:
    """Every place the marker shows, in any encoding `leaks.leak_needles` knows: each request
    body, URL and header the browser sent (pages and service worker), each database file
    (main, -wal, -shm, -journal), the server log, and each device's IndexedDB, Cache Storage,
    Web Storage and cookies. Each finding names the encodings seen, e.g. "[base64, hex]"."""
    needles = leak_needles(marker)
    found = []

    def check(haystack: bytes, what: str) -> None:
        names = find_leaks(haystack, needles)
        if names:
            found.append(f"{what} [{', '.join(names)}]")

    for sent in recorder.sent:
        check(sent.body, f"plaintext marker sent to the server in the body of {sent.label()}: "
                         f"{sent.body[:160]!r}")
        check(sent.url.encode(), f"marker in a URL: {sent.label()}")
        check(sent.headers, f"marker in a request header of {sent.label()}: {sent.headers!r}")
    for name, data in live_server.stored_files().items():
        check(data, f"plaintext marker in the database file {name}")
    check(live_server.log_bytes(), "plaintext marker in the server log")
    for where, data in recorder.devices():
        check(data, f"plaintext marker on the device: {where}")
    return found


def assert_no_plaintext(live_server, recorder, marker) -> None:
    """The proof: the marker, raw or encoded, is in no request body, URL or header, no
    database file, no log line and nothing a device keeps, and no page hit a CSP violation or
    an uncaught error."""
    assert recorder.bodies, "no request bodies were recorded: the proof would be empty"
    leaked = leaks_of(live_server, recorder, marker)
    assert not leaked, "\n".join(leaked)
    assert not recorder.problems, recorder.problems


@pytest.fixture
def no_plaintext(live_server, recorder, marker, new_context):
    """After the test: the marker, raw or encoded, is in nothing the browser sent, the server
    stored or logged, or a device kept, and no page hit a CSP violation or an uncaught error.
    (It asks for `new_context` so that it runs before that fixture closes the devices.)"""
    yield
    assert_no_plaintext(live_server, recorder, marker)


@pytest.fixture(scope="module")
def module_account(browser, base_url):
    """One account per test module, signed up on its own unrecorded device that is then
    closed: tests log in on their own recorded devices. Only for modules whose tests do not
    change the account itself (password, recovery key)."""
    from .journeys import sign_up

    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740},
                                  locale="fi-FI")
    context.set_default_timeout(20_000)
    try:
        account = sign_up(context.new_page())
    finally:
        context.close()
    return account


def run_axe(page) -> list[dict]:
    """axe-core WCAG 2.1 A/AA violations on the current page (context must bypass CSP)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        // Let finite animations end first (a dialog rising into view is half transparent:
        // its colours would be measured mid-way); endless ones (spinners) are left running.
        await Promise.all(document.getAnimations()
            .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
            .map((a) => a.finished.catch(() => null)));
        const result = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            summary: v.nodes.slice(0, 3).map(n => n.failureSummary)}));
    }""")
