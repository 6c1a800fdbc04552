"""The goals table of issue 8: each measured figure next to its goal, pass or fail, printed
and written as JSON and Markdown."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

KB = 1000  # the goal's "60 KB": 60,000 bytes


@dataclass
class Row:
    id: str
    measure: str
    goal: str
    figure: str
    passed: bool | None  # None: not measured in this run
    value: float | None = None
    note: str = ""


def _fmt_ratio(x: float) -> str:
    return f"{x:.2f}×"


def _missing(id_: str, measure: str, goal: str, why: str) -> Row:
    return Row(id_, measure, goal, f"not measured: {why}", None)


def rows(results: dict) -> list[Row]:
    out: list[Row] = []
    server = results.get("server") or {}
    errors = results.get("errors") or {}
    browser = results.get("browser") or {}

    # 1. journal page latency vs a trivial route
    wsgi = server.get("wsgi")
    if wsgi:
        ratio = wsgi["journal_large"]["median_ms"] / wsgi["trivial"]["median_ms"]
        out.append(Row("1a", "journal page latency vs trivial route, in-process WSGI", "≤ 3×",
                       f"{_fmt_ratio(ratio)} ({wsgi['journal_large']['median_ms']:.2f} / "
                       f"{wsgi['trivial']['median_ms']:.2f} ms)", ratio <= 3, ratio))
    else:
        out.append(_missing("1a", "journal page latency vs trivial route, in-process WSGI",
                            "≤ 3×", errors.get("wsgi", "skipped")))
    http = server.get("http")
    if http:
        ratio = http["journal_large"]["median_ms"] / http["trivial"]["median_ms"]
        out.append(Row("1b", "journal page latency vs trivial route, HTTP (gunicorn)", "≤ 3×",
                       f"{_fmt_ratio(ratio)} ({http['journal_large']['median_ms']:.2f} / "
                       f"{http['trivial']['median_ms']:.2f} ms)", ratio <= 3, ratio))
    else:
        out.append(_missing("1b", "journal page latency vs trivial route, HTTP (gunicorn)",
                            "≤ 3×", errors.get("http", "skipped")))

    # 2. throughput
    load = server.get("throughput")
    measure = "gunicorn 2 workers: journal page req/s vs trivial route"
    if load:
        j, t = load["journal_large"], load["trivial"]
        share = j["rps"] / t["rps"]
        per_cpu = (j["per_cpu_s"] / t["per_cpu_s"]
                   if j.get("per_cpu_s") and t.get("per_cpu_s") else None)
        figure = f"{share:.0%} ({j['rps']:.0f} / {t['rps']:.0f} req/s"
        figure += f"; {per_cpu:.0%} per CPU-second)" if per_cpu else ")"
        note = "" if load.get("tool", "wrk") == "wrk" else f" [{load['tool']}]"
        if j["non_2xx"] or t["non_2xx"] or j["socket_errors"] or t["socket_errors"]:
            note += " [errors under load]"
        out.append(Row("2", measure, "≥ 25 %", figure + note, share >= 0.25, share))
    else:
        out.append(_missing("2", measure, "≥ 25 %", errors.get("throughput", "skipped")))

    # 3. first visit bytes
    visits = browser.get("first_visit")
    for id_, page, label in (("3a", "login", "/login"), ("3b", "journal", "signed-in journal")):
        measure = f"first visit {label}: JS + CSS as sent, Argon2 wasm excluded"
        if visits:
            w = visits[page]["js_css"]
            encodings = ", ".join(f"{k} {v}" for k, v in sorted(w["encodings"].items()))
            figure = (f"{w['wire_bytes'] / KB:.1f} KB in {w['files']} files "
                      f"(gzip -9 {w['gzip9_bytes'] / KB:.1f} KB, raw {w['raw_bytes'] / KB:.1f} KB;"
                      f" {encodings})")
            out.append(Row(id_, measure, "≤ 60 KB", figure, w["wire_bytes"] <= 60 * KB,
                           w["wire_bytes"]))
        else:
            out.append(_missing(id_, measure, "≤ 60 KB", errors.get("first_visit", "skipped")))

    # 4. open 50 entries
    opened = browser.get("open_entries")
    measure = "open and render 50 sealed entries on the journal page"
    if opened:
        crypto = opened.get("crypto_only_ms")
        own = (opened.get("page_measures") or {}).get("valitila:open-entries")
        start = opened.get("from_app_start_ms")
        if start is None:
            # A build before the app-start mark (the "before" column): the figure it had.
            first = opened["from_first_card_ms"]
            figure = (f"{first:.0f} ms from the first card in the page to all rendered "
                      f"({opened['from_navigation_ms']:.0f} ms from navigation start; that "
                      f"page set no app-start mark"
                      + (f"; crypto only {crypto:.1f} ms" if crypto is not None else "") + ")")
            out.append(Row("4", measure, "≤ 50 ms", figure, first <= 50, first))
        else:
            figure = (f"{start:.0f} ms from the page's script starting to the frame showing "
                      f"all 50 (keys, behaviour, verify and decrypt, mirror, render; "
                      f"{opened['from_first_card_ms']:.0f} ms from the first card parsed, "
                      f"{opened['from_navigation_ms']:.0f} ms from navigation start"
                      + (f"; the opening alone {own:.0f} ms" if own is not None else "")
                      + (f"; crypto only {crypto:.1f} ms" if crypto is not None else "")
                      + ")")
            out.append(Row("4", measure, "≤ 50 ms", figure, start <= 50, start))
    else:
        out.append(_missing("4", measure, "≤ 50 ms", errors.get("open_entries", "skipped")))

    # 5. growth and queries
    if wsgi:
        ratio = wsgi["journal_large"]["median_ms"] / wsgi["journal_small"]["median_ms"]
        out.append(Row("5a", "journal page at 10k vs 100 entries (interleaved)", "≤ 1.2×",
                       f"{_fmt_ratio(ratio)} ({wsgi['journal_large']['median_ms']:.2f} / "
                       f"{wsgi['journal_small']['median_ms']:.2f} ms)", ratio <= 1.2, ratio))
        if "older_deepest" in wsgi and "older_first" in wsgi:
            ratio = wsgi["older_deepest"]["median_ms"] / wsgi["older_first"]["median_ms"]
            api = wsgi["api_deepest"]["median_ms"] / wsgi["api_first"]["median_ms"]
            out.append(Row("5b", "deepest \"show older\" page vs the first, 10k entries",
                           "≤ 1.2×", f"{_fmt_ratio(ratio)} (API list: {_fmt_ratio(api)})",
                           ratio <= 1.2, ratio))
    else:
        out.append(_missing("5a", "journal page at 10k vs 100 entries (interleaved)", "≤ 1.2×",
                            errors.get("wsgi", "skipped")))
        out.append(_missing("5b", "deepest \"show older\" page vs the first, 10k entries",
                            "≤ 1.2×", errors.get("wsgi", "skipped")))
    queries = server.get("queries")
    if queries:
        worst = max(queries.values())
        figure = ", ".join(f"{k} {v}" for k, v in queries.items())
        out.append(Row("5c", "queries per journal page", "≤ 6", figure, worst <= 6, worst))
    else:
        out.append(_missing("5c", "queries per journal page", "≤ 6",
                            errors.get("queries", "skipped")))

    # 6. unlock and outbox
    unlocked = browser.get("unlock")
    if unlocked:
        seconds = unlocked["median_ms"] / 1000
        out.append(Row("6a", "unlock (derive keys with Argon2id, unwrap, store)", "≤ 0.5 s",
                       f"{seconds:.2f} s", seconds <= 0.5, seconds))
    else:
        out.append(_missing("6a", "unlock (derive keys with Argon2id, unwrap, store)",
                            "≤ 0.5 s", errors.get("unlock", "skipped")))
    sent = browser.get("outbox")
    if sent:
        seconds = sent["sync_ms"] / 1000
        out.append(Row("6b", f"outbox sync of {sent['entries']} entries", "≤ 5 s",
                       f"{seconds:.2f} s ({sent['sync_ms_per_entry']:.1f} ms each)",
                       seconds <= 5, seconds))
    else:
        out.append(_missing("6b", "outbox sync of 100 entries", "≤ 5 s",
                            errors.get("outbox", "skipped")))

    # 7. Lighthouse
    lh = results.get("lighthouse") or {}
    for id_, page, label, perf_goal in (("7a", "landing", "landing page", 100),
                                        ("7b", "journal", "signed-in journal", 95)):
        measure = f"Lighthouse mobile, {label} (perf / a11y / best practices / SEO)"
        goal = f"{'100' if perf_goal == 100 else '≥ 95'} / 100 / 100 / 100"
        if page in lh:
            s = lh[page]["scores"]
            m = lh[page]["metrics"]
            runs = lh[page]["performance_runs"]
            figure = (f"{s['performance']} / {s['accessibility']} / {s['best-practices']} / "
                      f"{s['seo']} (FCP {m.get('fcp_ms', 0) / 1000:.1f} s, LCP "
                      f"{m.get('lcp_ms', 0) / 1000:.1f} s, TBT {m.get('tbt_ms', 0):.0f} ms, "
                      f"CLS {m.get('cls', 0):.3f}"
                      + (f"; perf runs {'/'.join(map(str, runs))}" if len(runs) > 1 else "")
                      + ")")
            ok = all(v is not None for v in s.values()) and s["performance"] >= perf_goal and all(
                s[k] == 100 for k in ("accessibility", "best-practices", "seo"))
            if page == "journal" and not lh[page].get("signed_in_page_measured"):
                figure += f" [ended on {lh[page].get('final_url')}]"
                ok = False
            out.append(Row(id_, measure, goal, figure, ok, s["performance"]))
        else:
            out.append(_missing(id_, measure, goal, errors.get("lighthouse", "skipped")))
    return out


def _mark(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "—"}[passed]


def text_table(table: list[Row]) -> str:
    widths = [4, max(len(r.measure) for r in table), max(len(r.goal) for r in table), 5]
    lines = [f"{'#':<4} {'measure':<{widths[1]}}  {'goal':<{widths[2]}}  pass   figure"]
    for r in table:
        lines.append(f"{r.id:<4} {r.measure:<{widths[1]}}  {r.goal:<{widths[2]}}  "
                     f"{_mark(r.passed):<5}  {r.figure}")
    return "\n".join(lines)


def markdown_table(table: list[Row]) -> str:
    lines = ["| # | measure | goal | figure | pass |", "|---|---|---|---|---|"]
    for r in table:
        figure = r.figure.replace("|", "\\|")
        lines.append(f"| {r.id} | {r.measure} | {r.goal} | {figure} | {_mark(r.passed)} |")
    return "\n".join(lines)


def machine_line(machine: dict) -> str:
    return (f"{machine['date'][:16].replace('T', ' ')}, {machine['nproc']} × {machine['cpu']}, "
            f"Python {machine['python']}, {machine['chromium']}, Node {machine['node']}, "
            f"commit {machine['commit']}"
            + (" (+ uncommitted changes to the app)" if machine["dirty"] else ""))


def markdown(results: dict, table: list[Row]) -> str:
    m = results["machine"]
    a = results["args"]
    lines = [
        f"# Välitila benchmark — {m['commit']} ({m['commit_subject']})", "",
        f"- Machine: {machine_line(m)}; load average (1, 5, 15 min) at the start "
        f"{m['loadavg_at_start']}, at the end {m.get('loadavg_at_end', '?')}",
        f"- Seed of the interleaved order: {results['seed']} "
        f"(`bench/run.py --seed {results['seed']}`); "
        f"{'quick run' if a.get('quick') else 'full run'}, {a['rounds']} rounds per median, "
        f"journals of {a['small']} and {a['large']} entries",
        f"- Took {results['seconds']:.0f} s", "",
        markdown_table(table), "",
    ]
    details = results.get("details_md")
    if details:
        lines += ["## Details", "", details, ""]
    if results.get("errors"):
        lines += ["## Not measured", ""]
        lines += [f"- {key}: {value}" for key, value in results["errors"].items()]
        lines.append("")
    return "\n".join(lines)


def details(results: dict) -> str:
    """A few lines per measurement beyond the table."""
    out: list[str] = []
    server = results.get("server") or {}
    for label, key in (("In-process WSGI", "wsgi"), ("HTTP, one connection per request", "http")):
        if server.get(key):
            parts = ", ".join(f"{name} {v['median_ms']:.2f}" for name, v in server[key].items())
            out.append(f"- {label}, median ms: {parts}")
    load = server.get("throughput")
    if load:
        parts = "; ".join(
            f"{name} {v['rps']:.0f} req/s ({v['per_cpu_s'] or 0:.0f} per worker CPU-second, "
            f"{len(v['runs'])} runs, {v['non_2xx']} non-2xx)"
            for name, v in load.items() if isinstance(v, dict))
        out.append(f"- Throughput ({load.get('tool', 'wrk')}): {parts}")
    if server.get("page_bytes"):
        parts = ", ".join(f"{k} {v['bytes']:,} B {v['content_encoding']}"
                          for k, v in server["page_bytes"].items())
        out.append(f"- Pages as sent: {parts}")
    browser = results.get("browser") or {}
    visits = browser.get("first_visit")
    if visits:
        for page in ("login", "journal"):
            v = visits[page]
            excluded = ", ".join(f"{r['path']} ({r['wire_bytes'] / KB:.1f} KB)"
                                 for r in v["excluded_argon2"]) or "none loaded"
            out.append(f"- First visit {page}: everything the page loaded "
                       f"{v['all_page']['wire_bytes'] / KB:.1f} KB in {v['all_page']['files']} "
                       f"responses; the service worker fetched {v['service_worker']['files']} "
                       f"files, {v['service_worker']['wire_bytes'] / KB:.1f} KB; "
                       f"Argon2 left out: {excluded}")
    opened = browser.get("open_entries")
    if opened:
        out.append(f"- Open entries: {opened['cards_on_page']} cards, end = {opened['end']}; "
                   f"median of {opened['rounds']} visits: "
                   + (f"{opened['from_app_start_ms']:.1f} ms from the page's script starting, "
                      if opened.get("from_app_start_ms") is not None else "")
                   + f"{opened['from_first_card_ms']:.1f} ms from the first card, "
                   f"{opened['from_response_end_ms']:.1f} ms from the "
                   f"HTML's last byte, {opened['from_navigation_ms']:.1f} ms from navigation; "
                   f"first card open → end {opened['first_open_to_end_ms'] or 0:.1f} ms"
                   + (f"; from the page's '{opened['start_mark']}' mark "
                      f"{opened['from_start_mark_ms']:.1f} ms" if opened.get("start_mark") else "")
                   + "".join(f"; the page's measure {name} {ms:.1f} ms"
                             for name, ms in (opened.get("page_measures") or {}).items()))
    if browser.get("unlock"):
        out.append(f"- Unlock: {browser['unlock']['method']}, runs "
                   + ", ".join(f"{t:.0f}" for t in browser["unlock"]["times_ms"]) + " ms")
    if browser.get("outbox"):
        o = browser["outbox"]
        out.append(f"- Outbox: {o['entries']} queued offline in {o['queue_ms']:.0f} ms, synced in "
                   f"{o['sync_ms']:.0f} ms; the server holds all {o['server_items']}")
    lh = results.get("lighthouse") or {}
    for page in ("landing", "journal"):
        if page in lh:
            losing = ", ".join(lh[page]["losing_audits"]) or "none"
            out.append(f"- Lighthouse {page} ({lh[page]['final_url']}): audits below 1: {losing}")
    return "\n".join(out)


def write(results: dict, table: list[Row], directory: Path, label: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    results = {**results, "rows": [asdict(r) for r in table]}
    results["details_md"] = details(results)
    json_path = directory / f"{label}.json"
    md_path = directory / f"{label}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results, table), encoding="utf-8")
    return json_path, md_path


def compare_markdown(before: dict, after: dict) -> str:
    """The goals table with the figures of two runs side by side (e.g. for the README)."""
    old = {row["id"]: row for row in before["rows"]}
    lines = [f"| # | measure | goal | before ({before['machine']['commit']}) | "
             f"now ({after['machine']['commit']}) | pass |",
             "|---|---|---|---|---|---|"]
    for row in after["rows"]:
        was = old.get(row["id"], {}).get("figure", "—")
        cells = [row["id"], row["measure"], row["goal"], was, row["figure"],
                 _mark(row["passed"])]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


BEGIN, END = "<!-- bench:table -->", "<!-- /bench:table -->"


def readme_table(before: dict, after: dict) -> str:
    """The README's Performance table and the line above it (between its bench:table marks)."""
    import textwrap

    m, b = after["machine"], before["machine"]
    intro = (f"Measured by `make bench` on {m['date'][:10]}: {m['nproc']} × {m['cpu']}, load "
             f"average {m['loadavg_at_start'][0]} at the start (the machine was shared), commit "
             f"{m['commit']}{' with uncommitted work' if m['dirty'] else ''}, seed {after['seed']};"
             f" beside it the same benchmark on commit {b['commit']}, before issue 8's work, run "
             f"on the same machine on {b['date'][:10]} (seed {before['seed']}). Full results in "
             f"`bench/results/latest.md` and `bench/results/before-{b['commit']}.md`.")
    return "\n".join(textwrap.wrap(intro, 96)) + "\n\n" + compare_markdown(before, after)


def update_readme(readme: Path, before: dict, after: dict) -> None:
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} has no {BEGIN} … {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{readme_table(before, after)}\n{END}{tail}",
                      encoding="utf-8")


if __name__ == "__main__":
    import sys

    usage = ("usage: bench/report.py compare BEFORE.json AFTER.json\n"
             "       bench/report.py readme BEFORE.json AFTER.json  (README's Performance table)")
    if len(sys.argv) != 4 or sys.argv[1] not in ("compare", "readme"):
        sys.exit(usage)
    runs = [json.loads(Path(arg).read_text(encoding="utf-8")) for arg in sys.argv[2:]]
    if sys.argv[1] == "compare":
        print(compare_markdown(*runs))
    else:
        update_readme(Path(__file__).resolve().parents[1] / "README.md", *runs)
