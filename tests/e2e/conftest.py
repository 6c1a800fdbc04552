"""Browser end-to-end fixtures: the real app served from a thread on 127.0.0.1 with its own
SQLite database and log file, Debian's Chromium driven by Playwright, a recorder of every
request body the pages send, and axe-core for accessibility."""
from __future__ import annotations

import logging
import os
import threading
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

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

    def stored_bytes(self) -> bytes:
        """Everything the database holds on disk (main file and WAL)."""
        data = b""
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(str(self.db_path) + suffix)
            if path.exists():
                data += path.read_bytes()
        return data

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


class Recorder:
    """Every request body the pages of a context send, and CSP/page errors seen. Also every
    dialog a page opened (kept apart from `problems`: a "Leave site?" prompt is accepted, as
    Playwright does by default, and tests that care assert on `dialogs`)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.urls: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []

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

    def _on_request(self, request) -> None:
        self.urls.append(request.url)
        body = request.post_data_buffer
        if body:
            self.bodies.append(body)

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
        context.close()


@pytest.fixture
def marker():
    """Text typed into entries that must never reach the server unsealed."""
    return f"SALAISUUS-{uuid.uuid4().hex[:12]}"


def assert_no_plaintext(live_server, recorder, marker) -> None:
    """The proof: the marker is in no request body, URL, database byte or log line, and no
    page hit a CSP violation or an uncaught error."""
    needle = marker.encode()
    assert recorder.bodies, "no request bodies were recorded: the proof would be empty"
    leaked = [body[:200] for body in recorder.bodies if needle in body]
    assert not leaked, f"plaintext marker sent to the server: {leaked}"
    assert not any(marker in url for url in recorder.urls), "marker in a URL"
    assert needle not in live_server.stored_bytes(), "plaintext marker in the database"
    assert needle not in live_server.log_bytes(), "plaintext marker in the server log"
    assert not recorder.problems, recorder.problems


@pytest.fixture
def no_plaintext(live_server, recorder, marker):
    """After the test: the marker is in no request body, no database byte, no log line,
    and no page hit a CSP violation or an uncaught error."""
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
        const result = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            summary: v.nodes.slice(0, 3).map(n => n.failureSummary)}));
    }""")
