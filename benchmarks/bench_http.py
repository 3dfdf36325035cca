"""Pages under load on a production-like stack, against a bare Django view on the same server.

gunicorn (production settings) + PostgreSQL + Redis + whitenoise, driven by Debian's `wrk` for a
fixed time at a fixed concurrency per page. Prints requests/s, p50/p95/p99, errors (socket errors
and every response but the expected one: a 200, or for the POST a 302 to the next step, each
checked inside wrk) and each page's ratio to the bare view (a constant page through the same middleware), with PASS/FAIL against the
targets; then profiles each page in-process (queries and render time) to show where time goes.
Figures land in `benchmarks/results/latest.json` under "http".

Each page is measured in BENCH_ROUNDS pairs (a bare-view run, then the page); its ratio is the
median pair's.

Environment: BENCH_SECONDS per run (default 4), BENCH_ROUNDS (3), BENCH_CONNECTIONS (8),
BENCH_THREADS (2), BENCH_WARMUP_SECONDS (2), BENCH_WORKERS (2 x cores).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import (  # noqa: E402
    PYTHON,
    ROOT,
    Stack,
    StackError,
    load_average,
    machine,
    production_stack,
    write_results,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ["BENCH_WORKERS"]) if os.environ.get("BENCH_WORKERS") else None

# name -> (minimum ratio to the bare view)
TARGETS = {
    "home": 0.7,
    "article": 0.7,
    "article list": 0.7,
    "catalogue": 0.5,
    "product": 0.5,
    "assessment step GET": 0.4,
    "assessment step POST": 0.4,
}

FIRST_STEP = "/assessment/questions/about-you/"
FIRST_STEP_ANSWERS = "age=42&sex=female&height_cm=170&weight_kg=70"
NEXT_STEP = "/assessment/questions/your-pain/"

# Every response is checked in wrk (per thread): anything but the expected status (and, for the
# POST, a redirect to the next step) counts as an error, not only statuses >= 400 and socket errors.
# wrk calls done() once at the end: print the figures as one JSON line for this script to read.
LUA_DONE = """
local expected_status, expected_location = %(status)d, "%(location)s"
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) unexpected = 0 end
response = function(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= expected_status or not string.find(location, expected_location, 1, true) then
    unexpected = unexpected + 1
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local wrong = 0
  for _, thread in ipairs(threads) do wrong = wrong + (thread:get("unexpected") or 0) end
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, '
    .. '"max_us": %%d, "mean_us": %%.1f, "unexpected": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, wrong))
end
"""

# A valid POST of the first step by a new visitor: the CSRF cookie and token come from a GET made
# before the run; no session is carried, so each request starts (and saves) its own draft, as a
# new visitor's first answer does, and no two requests contend for one draft row.
LUA_POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=%(token)s"
wrk.body = "csrfmiddlewaretoken=%(token)s&%(answers)s"
"""


def ensure_wrk() -> str:
    """Debian's wrk: installed when absent (as root), otherwise a clear failure."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is absent: installing Debian's wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)  # noqa: S607
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        raise StackError("wrk is not installed: run `apt-get install -y wrk` (Debian's package).")
    return found


def csrf_token(stack: Stack) -> str:
    status, headers, body = stack.get(FIRST_STEP)
    if status != 200:
        raise StackError(f"{FIRST_STEP} answered {status}")
    match = re.search(r"csrftoken=([A-Za-z0-9]+)", headers.get("Set-Cookie", ""))
    if not match:
        raise StackError(f"{FIRST_STEP} set no csrftoken cookie")
    return match.group(1)


def check_post(stack: Stack, token: str) -> None:
    """One POST by hand first: the run is only meaningful if the answers are valid (302 on)."""
    import urllib.request

    request = urllib.request.Request(  # noqa: S310
        stack.base_url + FIRST_STEP,
        data=f"csrfmiddlewaretoken={token}&{FIRST_STEP_ANSWERS}".encode(),
        headers={
            "Cookie": f"csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    from _stack import _NoRedirect

    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(request, timeout=30)
        status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    if status != 302 or NEXT_STEP not in location:
        raise StackError(
            f"POST {FIRST_STEP} answered {status} (to {location!r}), not a redirect to the next "
            "step: the answers in bench_http.py no longer fit the form"
        )


def run_wrk(wrk: str, url: str, script: Path, seconds: int) -> dict:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    line = next((row for row in result.stdout.splitlines() if row.startswith("WRKJSON ")), None)
    if result.returncode != 0 or line is None:
        raise StackError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    data["non_2xx_3xx"] = int(non_2xx.group(1)) if non_2xx else 0
    # Socket errors, plus every response that was not the expected one (which includes wrk's
    # "status" errors, the responses >= 400).
    sockets = sum(data[key] for key in ("connect", "read", "write", "timeout"))
    data["errors"] = sockets + max(data["unexpected"], data["status"], data["non_2xx_3xx"])
    return data


def profile(stack: Stack, pages: dict[str, str]) -> dict:
    """Queries and render time per page, in-process with the same settings (Django test client)."""
    code = f"""
import json, time, django
django.setup()
from django.db import connection
from django.test import Client
pages = {json.dumps(pages)}
client = Client(HTTP_HOST="127.0.0.1")
out = {{}}
for name, path in pages.items():
    for _ in range(3):
        client.cookies.clear(); client.get(path)
    queries = []
    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)
    client.cookies.clear()
    with connection.execute_wrapper(count):  # (request_started resets connection.queries)
        response = client.get(path)
    timings = []
    for _ in range(20):
        client.cookies.clear()
        start = time.perf_counter(); client.get(path); timings.append(time.perf_counter() - start)
    timings.sort()
    out[name] = {{"status": response.status_code, "queries": len(queries),
                  "median_ms": round(1000 * timings[len(timings) // 2], 2),
                  "bytes": len(response.content),
                  "page_cache": response.get("X-Page-Cache", ""),
                  "sets_cookie": sorted(response.cookies),
                  "cache_control": response.get("Cache-Control", "")}}
print("PROFILEJSON " + json.dumps(out))
"""
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-c", code], cwd=ROOT, env=stack.env, capture_output=True, text=True, check=False
    )
    line = next((r for r in result.stdout.splitlines() if r.startswith("PROFILEJSON ")), None)
    if line is None:
        return {"error": (result.stderr or result.stdout)[-2000:]}
    return json.loads(line.removeprefix("PROFILEJSON "))


def main() -> int:
    try:
        wrk = ensure_wrk()
        with production_stack(workers=WORKERS) as stack:
            return measure(wrk, stack)
    except StackError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1


def measure(wrk: str, stack: Stack) -> int:
    pages = {
        "bare": "/benchmark/bare/",
        "home": "/",
        "article": stack.urls["article"],
        "article list": "/articles/",
        "catalogue": "/orthotics/",
        "product": "/orthotics/everyday/",
        "assessment step GET": FIRST_STEP,
    }
    for name, path in pages.items():
        status = stack.get(path)[0]
        if status != 200:
            raise StackError(f"{name} ({path}) answered {status} before the run")
    token = csrf_token(stack)
    with tempfile.TemporaryDirectory() as tmp:
        get_script = Path(tmp) / "get.lua"
        get_script.write_text(LUA_DONE % {"status": 200, "location": ""})
        post_script = Path(tmp) / "post.lua"
        post_script.write_text(
            LUA_POST % {"token": token, "answers": FIRST_STEP_ANSWERS}
            + LUA_DONE % {"status": 302, "location": NEXT_STEP}
        )
        check_post(stack, token)
        scripts = {name: get_script for name in pages}
        pages["assessment step POST"] = FIRST_STEP
        scripts["assessment step POST"] = post_script

        info = machine()
        rows = {}
        bare_url = stack.base_url + pages["bare"]
        run_wrk(wrk, bare_url, get_script, WARMUP)
        bare_runs = []
        for name, path in pages.items():
            if name == "bare":
                continue
            url = stack.base_url + path
            run_wrk(wrk, url, scripts[name], WARMUP)  # warm caches, connections and workers
            # ROUNDS pairs of (bare view, page), each page's ratio taken to the bare run right
            # before it; the median pair is kept, so load from other processes on a shared
            # machine drifts less into the figures.
            pairs = []
            for _round in range(ROUNDS):
                bare_run = run_wrk(wrk, bare_url, get_script, SECONDS)
                page_run = run_wrk(wrk, url, scripts[name], SECONDS)
                page_run["ratio"] = page_run["rps"] / bare_run["rps"]
                pairs.append((bare_run, page_run))
                bare_runs.append(bare_run)
            pairs.sort(key=lambda pair: pair[1]["ratio"])
            bare_run, page_run = pairs[len(pairs) // 2]
            load = load_average()
            rows[name] = {
                "path": path,
                "load_average": load,
                "bare_rps_alongside": bare_run["rps"],
                "ratios_all_rounds": [round(pair[1]["ratio"], 3) for pair in pairs],
                **page_run,
                "errors": sum(pair[1]["errors"] for pair in pairs),
            }
            print(
                f"  measured {name:<22} {page_run['rps']:>8.0f} req/s, bare alongside "
                f"{bare_run['rps']:>6.0f}, ratios {rows[name]['ratios_all_rounds']} "
                f"(load {load[0]})",
                flush=True,
            )
        best = max(bare_runs, key=lambda run: run["rps"])
        rows = {
            "bare": {
                "path": pages["bare"],
                "load_average": load_average(),
                **best,
                "ratio": 1.0,
                "rps_all_runs": [round(run["rps"]) for run in bare_runs],
                "errors": sum(run["errors"] for run in bare_runs),
            },
            **rows,
        }

    failures = []
    for name, row in rows.items():
        target = TARGETS.get(name)
        row["target_ratio"] = target
        ok = row["errors"] == 0 and (target is None or row["ratio"] >= target)
        row["pass"] = ok
        if not ok:
            failures.append(name)

    print(
        f"\n{'page':<22}{'req/s':>9}{'bare':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'ratio':>8}{'target':>8}  result"
    )
    for name, row in rows.items():
        target = f"{row['target_ratio']:.1f}" if row["target_ratio"] else "-"
        print(
            f"{name:<22}{row['rps']:>9.0f}{row.get('bare_rps_alongside', row['rps']):>7.0f}"
            f"{row['p50_us'] / 1000:>9.2f}{row['p95_us'] / 1000:>9.2f}"
            f"{row['p99_us'] / 1000:>9.2f}{row['errors']:>8}{row['ratio']:>8.2f}{target:>8}  "
            f"{'PASS' if row['pass'] else 'FAIL'}"
        )

    profiled = profile(stack, {name: path for name, path in pages.items() if "POST" not in name})
    print(
        f"\n{'page (in-process, warm)':<24}{'queries':>8}{'median ms':>11}{'KB':>7}"
        f"{'page cache':>12}  sets cookie / cache-control"
    )
    for name, row in profiled.items():
        if isinstance(row, dict):
            print(
                f"{name:<24}{row['queries']:>8}{row['median_ms']:>11.2f}"
                f"{row['bytes'] / 1024:>7.1f}{row['page_cache'] or '-':>12}  "
                f"{','.join(row['sets_cookie']) or '-'} / {row['cache_control'] or '-'}"
            )
        else:
            print(f"profile failed: {row}")

    info["load_average_at_end"] = load_average()
    settings = {
        "seconds": SECONDS,
        "rounds": ROUNDS,
        "warmup_seconds": WARMUP,
        "connections": CONNECTIONS,
        "threads": THREADS,
        "gunicorn_workers": WORKERS or 2 * (os.cpu_count() or 1),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = write_results(
        "http", {"machine": info, "settings": settings, "pages": rows, "profile": profiled}
    )
    print(
        f"\nload average: start {info['load_average_at_start']}, end {info['load_average_at_end']}"
    )
    print(f"figures written to {path.relative_to(ROOT)}")
    if failures:
        print("FAIL: " + ", ".join(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
