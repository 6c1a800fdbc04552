"""Välitila benchmarks. Figures are reported as ratios within one run (machines are noisy).

1. Server: median server time of the journal list page, one item through the API and a
   trivial route, for a journal of 100 and of 10,000 entries (in-process WSGI, SQLite file).
   10,000 vs 100 should be close to 1 (indexed, paginated, constant queries per page).
2. Browser (headless Chromium): gzip bytes of the JS and CSS a first visit loads, the time to
   derive keys (Argon2id), and the time to open 50 entries.

Usage: .venv/bin/python bench/run.py [--small N] [--large N] [--rounds N] [--no-browser]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PASSWORD = "Välitila-bench-2026"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def make_app(db_path: Path):
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{db_path}"
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.config import TestConfig

    app = create_app(TestConfig)
    app.config["RATELIMIT_AUTH"] = "100000 per minute"
    with app.app_context():
        upgrade()
    return app


def seed(app, email: str, count: int) -> None:
    from webapp.services import demo
    from webapp.uow import unit_of_work

    with app.app_context(), unit_of_work():
        demo.seed_entries(email, count, PASSWORD)


def login_client(app, email: str):
    import protocol
    from webapp.services import accounts

    client = app.test_client()
    with app.app_context():
        user = accounts.user_by_email(email)
        secrets = protocol.derive_account_secrets(email, PASSWORD,
                                                 protocol.b64u_decode(user.salt_seed), user.kdf)
    response = client.post("/api/v1/auth/login", json={
        "email": email, "auth_key": protocol.b64u_encode(secrets.auth_key)})
    assert response.status_code == 200, response.get_json()
    return client


def deepest_cursor(app, email: str) -> str:
    """The cursor of the last page of 20: just before the 20 oldest entries."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Envelope, User
    from webapp.schemas.items import encode_cursor

    with app.app_context():
        uid = db.session.scalar(select(User.uid).where(User.email == email))
        row = db.session.execute(
            select(Envelope.item_created_at, Envelope.item_id)
            .where(Envelope.recipient_uid == uid)
            .order_by(Envelope.item_created_at, Envelope.item_id).offset(20).limit(1)).one()
        return encode_cursor(row.item_created_at, row.item_id)


def median_ms(client, path: str, rounds: int) -> float:
    for _ in range(5):  # warm up
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def server_bench(app, small: int, large: int, rounds: int) -> dict:
    sizes = {"small": small, "large": large}
    figures: dict = {}
    for label, count in sizes.items():
        email = f"bench-{label}@example.fi"
        started = time.perf_counter()
        seed(app, email, count)
        seeded = time.perf_counter() - started
        client = login_client(app, email)
        item_id = client.get("/api/v1/items?limit=1").get_json()["items"][0]["id"]
        figures[label] = {
            "entries": count,
            "seed_seconds": round(seeded, 2),
            "list_page_ms": median_ms(client, "/journal/", rounds),
            "api_item_ms": median_ms(client, f"/api/v1/items/{item_id}", rounds),
            "api_list_ms": median_ms(client, "/api/v1/items?limit=20", rounds),
            "api_deepest_ms": median_ms(client, f"/api/v1/items?limit=20&before="
                                                f"{deepest_cursor(app, email)}", rounds),
            "trivial_ms": median_ms(client, "/healthz", rounds),
        }
    s, l_ = figures["small"], figures["large"]
    figures["ratios"] = {
        "list_page_large_vs_small": l_["list_page_ms"] / s["list_page_ms"],
        "api_item_large_vs_small": l_["api_item_ms"] / s["api_item_ms"],
        "api_list_large_vs_small": l_["api_list_ms"] / s["api_list_ms"],
        "api_deepest_vs_first_page_large": l_["api_deepest_ms"] / l_["api_list_ms"],
        "list_page_vs_trivial": l_["list_page_ms"] / l_["trivial_ms"],
        "api_item_vs_trivial": l_["api_item_ms"] / l_["trivial_ms"],
    }
    return figures


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def browser_bench(app, rounds: int) -> dict:
    from playwright.sync_api import sync_playwright

    email = "bench-browser@example.fi"
    seed(app, email, 50)
    server, base = serve(app)
    figures: dict = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(base_url=base)
            page = context.new_page()
            loaded: list = []
            page.on("response", lambda r: loaded.append(r))
            page.goto("/login")
            page.wait_for_load_state("networkidle")
            weight = {"js_gzip": 0, "css_gzip": 0, "js_raw": 0, "css_raw": 0, "files": 0}
            for response in loaded:
                kind = response.request.resource_type
                if kind not in ("script", "stylesheet"):
                    continue
                body = response.body()
                key = "js" if kind == "script" else "css"
                weight[f"{key}_raw"] += len(body)
                weight[f"{key}_gzip"] += len(gzip.compress(body, 9))
                weight["files"] += 1
            figures["first_visit_login"] = weight

            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.locator("[data-login-form] [type=submit]").click()
            page.wait_for_url("**/journal/")
            page.wait_for_selector("article[data-state=open]")
            figures["derive_keys_ms"] = page.evaluate("""async (rounds) => {
                const { deriveAccountSecrets } = await import('/static/js/crypto/kdf.js');
                const kdf = {alg: 'argon2id', m: 65536, t: 3, p: 1};
                const times = [];
                for (let i = 0; i < rounds; i++) {
                    const t0 = performance.now();
                    await deriveAccountSecrets({email: 'a@b.fi', password: 'x'.repeat(12),
                                                saltSeed: new Uint8Array(16), kdf});
                    times.push(performance.now() - t0);
                }
                times.sort((a, b) => a - b);
                return times[Math.floor(times.length / 2)];
            }""", max(3, rounds // 40))
            figures["open_50_entries_ms"] = page.evaluate("""async () => {
                const { api } = await import('/static/js/api.js');
                const { openSealed } = await import('/static/js/behaviors/sealed.js');
                const keystore = await import('/static/js/keystore.js');
                const uid = document.querySelector('meta[name="valitila-user"]').content;
                const keys = await keystore.unlockedKeys(uid);
                const { items } = await api('GET', '/items?limit=50');
                const t0 = performance.now();
                const opened = await Promise.all(items.map((item) => openSealed(item, keys)));
                const elapsed = performance.now() - t0;
                if (opened.length !== 50) throw new Error('expected 50, got ' + opened.length);
                return elapsed;
            }""")
            browser.close()
    finally:
        server.shutdown()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp) / "bench.sqlite3")
        results = {"server": server_bench(app, args.small, args.large, args.rounds)}
        if not args.no_browser:
            results["browser"] = browser_bench(app, args.rounds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    server = results["server"]
    print(f"Server, median of {args.rounds} requests (ms): journal of {args.small} / {args.large}")
    for key in ("list_page_ms", "api_item_ms", "api_list_ms", "trivial_ms"):
        print(f"  {key:<14} {server['small'][key]:8.2f} {server['large'][key]:8.2f}")
    print("Ratios (same run):")
    for key, value in server["ratios"].items():
        print(f"  {key:<26} {value:6.2f}")
    if "browser" in results:
        b = results["browser"]
        w = b["first_visit_login"]
        print(f"Browser: first visit (/login) loads {w['files']} JS/CSS files: "
              f"JS {w['js_gzip'] / 1024:.1f} KiB gzip ({w['js_raw'] / 1024:.1f} raw), "
              f"CSS {w['css_gzip'] / 1024:.1f} KiB gzip")
        print(f"  derive keys (Argon2id m=64MiB t=3): {b['derive_keys_ms']:.0f} ms median")
        print(f"  open 50 entries: {b['open_50_entries_ms']:.0f} ms "
              f"({b['open_50_entries_ms'] / 50:.1f} ms each)")
    print(f"Written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
