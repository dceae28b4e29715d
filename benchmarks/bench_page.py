"""Benchmark: the what-if page on the Landes, as a planner sees it in a real Chromium.

Run: ``.venv/bin/python benchmarks/bench_page.py [--budget 600000] [--horizon 2026-2035]`` (needs
``make browser``).

``gpec serve instances/landes`` starts warm (it solves the default scenario first); the page then opens
that scenario (answered from the cache), changes the Département's envelope and solves it (in place,
warm), and opens the what-if's link again (the cache). For each, the seconds from the click or the
navigation to what the page shows: the busy state, the first plan with its gap, the proven plan, the
cached answer. Times are taken inside the page (``performance.now()`` at each change of the state line).
Nothing here asserts a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.browser_fixtures import chromium, serving  # noqa: E402

#: Installed before the page's own script: each change of the state line as [seconds since the mark,
#: state, text]; the mark is the navigation's start, then each submit of the controls (the click on Solve).
WATCH = """
window.benchLog = []; window.benchMark = 0;
document.addEventListener('DOMContentLoaded', () => {
  const state = document.getElementById('state');
  new MutationObserver(() => window.benchLog.push([(performance.now() - window.benchMark) / 1000,
    state.dataset.state, state.textContent])).observe(state, { childList: true, characterData: true, subtree: true });
  document.getElementById('controls').addEventListener('submit', () => {
    window.benchLog = []; window.benchMark = performance.now(); }, true);
});
"""


def wait_done(page, timeout_ms: float) -> list:
    page.wait_for_function("() => window.benchLog.some(e => ['done', 'cancelled', 'error'].includes(e[1]))",
                           timeout=timeout_ms)
    return page.evaluate("window.benchLog")


def first(log: list, test) -> float | None:
    return next((seconds for seconds, state, text in log if test(state, text)), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=600_000.0, help="the Département's envelope of the what-if")
    parser.add_argument("--horizon", default="", help="e.g. 2026-2030 (default: the instance's)")
    args = parser.parse_args()
    base = "/?i=landes" + (f"&h={args.horizon}" if args.horizon else "")
    rows = []
    with tempfile.TemporaryDirectory() as folder, chromium() as browser, \
            serving(ROOT / "instances" / "landes", Path(folder), warm=not args.horizon) as address:
        body = json.dumps({"instance": "landes", **({"horizon": [int(y) for y in args.horizon.split("-")]}
                                                    if args.horizon else {})}).encode()
        started = time.perf_counter()
        while True:  # the warm-up (or this first solve) done: the default scenario is in the cache
            request = urllib.request.Request(address + "/api/solve", body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as answer:
                if answer.status == 200:
                    break
            time.sleep(0.5)
        print(f"server started and default scenario solved in {time.perf_counter() - started:.1f} s")
        page = browser.new_page(base_url=address)
        page.add_init_script(WATCH)
        page.goto(base)
        rows.append(("open the default scenario (cached)", None, None,
                     first(wait_done(page, 600_000), lambda s, t: s == "done")))
        page.fill('input[data-funder="cd40"][data-year=""]', str(int(args.budget)))
        page.click("#solve")
        log = wait_done(page, 600_000)
        rows.append((f"what-if: cd40 = {args.budget:,.0f} EUR a year",
                     first(log, lambda s, t: s in ("queued", "running")),
                     first(log, lambda s, t: s == "running" and any(c.isdigit() for c in t.split("(")[0])),
                     first(log, lambda s, t: s in ("done", "cancelled", "error"))))
        state = page.inner_text("#state")
        page.reload()  # the what-if's link: answered from the cache
        wait_done(page, 600_000)
        page.click("#solve")  # and once more, from the controls
        log = wait_done(page, 600_000)
        rows.append(("the same what-if again (cached)", None, None, first(log, lambda s, t: s == "done")))
    print(f"{'':42} {'busy (s)':>9} {'first gap (s)':>14} {'answer (s)':>11}")
    for name, busy, gap, done in rows:
        print(f"{name:42} {_s(busy):>9} {_s(gap):>14} {_s(done):>11}")
    print(f"what-if answer: {state}")


def _s(value) -> str:
    return "" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
