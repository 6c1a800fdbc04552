"""The app as the benchmarks serve it with gunicorn: `create_app()` with the production
configuration from the environment (bench/common.py sets it), exactly as the README's
`gunicorn 'webapp:create_app()'`. BENCH_PAGE_SIZE, when set, changes the number of entries on
a journal page (the 50-entry page of the "open 50 entries" row)."""
from __future__ import annotations

import os

from webapp import create_app

app = create_app()
if os.environ.get("BENCH_PAGE_SIZE"):
    app.config["PAGE_SIZE"] = int(os.environ["BENCH_PAGE_SIZE"])
