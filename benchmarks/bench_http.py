"""Pages under load on a production-like stack, against a bare Django view on the same server.

gunicorn (production settings) + PostgreSQL + Redis + whitenoise, driven by Debian's `wrk` for a
fixed time at a fixed concurrency per page. Prints requests/s, p50/p95/p99, errors (socket errors
and every response but the expected one: a 200, or for the POST a 302 to the next step, each
checked inside wrk) and each page's ratio to the bare view (a constant page through the same
middleware), with PASS/FAIL against the targets; then profiles each page in-process (queries and
render time) to show where time goes. Figures land in `benchmarks/results/latest.json` under "http".

The question pages come after the health-data consent page, so the assessment GET and POST are
made as consented visitors: consent is given once by hand through the page, and the sessions the
run uses are made beforehand exactly as that page stores them. The GET is a consented visitor's
first look at the first question; each POST is a different visitor's valid first answer (their
own session, the CSRF cookie and the form's token), so each stores a new draft.

Each page is measured in BENCH_ROUNDS pairs (a bare-view run, then the page); its ratio is the
median pair's.

Environment: BENCH_SECONDS per run (default 4), BENCH_ROUNDS (3), BENCH_CONNECTIONS (8),
BENCH_THREADS (2), BENCH_WARMUP_SECONDS (2), BENCH_WORKERS (2 x cores), BENCH_POST_SESSIONS
(consented sessions per POST run, 6000; a run that needs more reuses them, answering again),
BENCH_PAGES (measure only these pages, comma-separated names as in the table; all when unset).
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
# Consented sessions per POST run (each request takes a new one; more than a run can use).
POST_SESSIONS = int(os.environ.get("BENCH_POST_SESSIONS", "6000"))
GET_SESSIONS = 64
# Only these pages (comma-separated names from the table, e.g. "assessment step POST"); all if unset.
ONLY_PAGES = {name.strip() for name in os.environ.get("BENCH_PAGES", "").split(",") if name.strip()}

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
setup = function(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end
init = function(args)
  unexpected = 0
  if start then start(args) end
end
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

# The question pages come after the health-data consent page: a visitor reaches them with a session
# holding their consent. Sessions made before the run (exactly what the consent page stores) are
# read from a file, one per line; each request takes the next of this thread's share of the run's
# slice (`wrk ... url <offset> <size> <threads>`), cycling within it.
LUA_SESSIONS = """
local token, cookie_name = "%(token)s", "%(cookie_name)s"
local sessions = {}
for line in io.lines("%%(sessions)s") do sessions[#sessions + 1] = line end
local offset, size, stride, i = 0, #sessions, 1, 0
start = function(args)
  offset, size, stride = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
end
local function next_cookie()
  local k = offset + ((thread_index - 1) + i * stride) %% size + 1
  i = i + 1
  return "csrftoken=" .. token .. "; " .. cookie_name .. "=" .. sessions[k]
end
"""

# A consented visitor opens the first question: no answers yet.
LUA_GET_SESSION = """
request = function()
  return wrk.format("GET", nil, {["Cookie"] = next_cookie()}, nil)
end
"""

# A valid POST of the first question as a browser sends it, by a visitor who has just given consent
# (a session of their own, the CSRF cookie and the form's token): each request stores a new draft,
# as a first answer does, and no two requests contend for one draft row.
LUA_POST = """
local body = "csrfmiddlewaretoken=" .. token .. "&%(answers)s"
request = function()
  return wrk.format("POST", nil, {
    ["Cookie"] = next_cookie(),
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
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


CONSENT_PAGE = "/assessment/your-health-information/"


def _request(stack: Stack, path: str, data: str | None, cookie: str) -> tuple[int, str, list[str]]:
    """One request without following redirects: status, Location and every Set-Cookie."""
    import urllib.request

    from _stack import _NoRedirect

    request = urllib.request.Request(  # noqa: S310
        stack.base_url + path,
        data=data.encode() if data is not None else None,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    cookies = response.headers.get_all("Set-Cookie") or []
    return response.status, response.headers.get("Location", ""), cookies


def consent_by_hand(stack: Stack) -> tuple[str, str]:
    """Consent as a visitor gives it (the page, then the form): the CSRF token and the session
    cookie's name. The run is only meaningful if the first question then shows."""
    status, _location, cookies = _request(stack, CONSENT_PAGE, None, "")
    match = re.search(r"csrftoken=([A-Za-z0-9]+)", " ".join(cookies))
    if status != 200 or not match:
        raise StackError(f"{CONSENT_PAGE} answered {status} with no csrftoken cookie")
    token = match.group(1)
    status, location, cookies = _request(
        stack, CONSENT_PAGE, f"csrfmiddlewaretoken={token}&agree=on", f"csrftoken={token}"
    )
    session = next((c.split(";")[0] for c in cookies if not c.startswith("csrftoken=")), "")
    if status != 302 or FIRST_STEP not in location or "=" not in session:
        raise StackError(f"giving consent answered {status} (to {location!r}), no session")
    status, _location, _cookies = _request(stack, FIRST_STEP, None, f"csrftoken={token}; {session}")
    if status != 200:
        raise StackError(f"{FIRST_STEP} answered {status} with consent given")
    return token, session.split("=", 1)[0]


def consented_sessions(stack: Stack, count: int, path: Path) -> None:
    """`count` sessions holding the visitor's consent, stored as the consent page stores them
    (`assessments.consent.consent_give` in the site's own session store), written to `path`."""
    code = f"""
import django
django.setup()
from importlib import import_module
from django.conf import settings
from assessments.consent import consent_give
store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for _ in range({count}):
    session = store()
    consent_give(session)
    session.create()
    keys.append(session.session_key)
print("\\n".join(keys))
"""
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-c", code], cwd=ROOT, env=stack.env, capture_output=True, text=True, check=False
    )
    keys = result.stdout.split()
    if result.returncode != 0 or len(keys) != count:
        raise StackError(f"could not make consented sessions:\n{result.stderr[-2000:]}")
    path.write_text("\n".join(keys) + "\n")


def check_post(stack: Stack, token: str, cookie: str) -> None:
    """One POST by hand first: the run is only meaningful if the answers are valid (302 on)."""
    status, location, _cookies = _request(
        stack, FIRST_STEP, f"csrfmiddlewaretoken={token}&{FIRST_STEP_ANSWERS}", cookie
    )
    if status != 302 or NEXT_STEP not in location:
        raise StackError(
            f"POST {FIRST_STEP} answered {status} (to {location!r}), not a redirect to the next "
            "step: the answers in bench_http.py no longer fit the form"
        )


def run_wrk(wrk: str, url: str, script: Path, seconds: int, args: tuple = ()) -> dict:
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
        *[str(arg) for arg in args],
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


def profile(stack: Stack, pages: dict[str, str], cookies: dict[str, str]) -> dict:
    """Queries and render time per page, in-process with the same settings (Django test client);
    `cookies`: a page's Cookie header (the question page's consented session)."""
    code = f"""
import json, time, django
django.setup()
from django.db import connection
from django.test import Client
pages = {json.dumps(pages)}
cookies = {json.dumps(cookies)}
client = Client(HTTP_HOST="127.0.0.1")
def fresh(name):
    client.cookies.clear()
    if name in cookies:
        client.cookies.load(cookies[name])
out = {{}}
for name, path in pages.items():
    for _ in range(3):
        fresh(name); client.get(path)
    queries = []
    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)
    fresh(name)
    with connection.execute_wrapper(count):  # (request_started resets connection.queries)
        response = client.get(path)
    timings = []
    for _ in range(20):
        fresh(name)
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
        if name != "assessment step GET":
            status = stack.get(path)[0]
            if status != 200:
                raise StackError(f"{name} ({path}) answered {status} before the run")
    token, cookie_name = consent_by_hand(stack)
    with tempfile.TemporaryDirectory() as tmp:
        get_sessions, post_sessions = Path(tmp) / "get-sessions", Path(tmp) / "post-sessions"
        # The GET runs cycle through the first GET_SESSIONS (never answered); the last one is
        # for the POST by hand.
        consented_sessions(stack, GET_SESSIONS + 1, get_sessions)
        post_runs = 1 + ROUNDS  # warm-up and rounds: each run its own slice of new visitors
        consented_sessions(stack, POST_SESSIONS * post_runs, post_sessions)
        keys = get_sessions.read_text().split()
        check_post(stack, token, f"csrftoken={token}; {cookie_name}={keys[-1]}")
        profile_cookies = {"assessment step GET": f"{cookie_name}={keys[0]}"}
        get_script = Path(tmp) / "get.lua"
        get_script.write_text(LUA_DONE % {"status": 200, "location": ""})
        session_lua = LUA_SESSIONS % {"token": token, "cookie_name": cookie_name}
        step_script = Path(tmp) / "step.lua"
        step_script.write_text(
            session_lua.replace("%(sessions)s", str(get_sessions))
            + LUA_GET_SESSION
            + LUA_DONE % {"status": 200, "location": ""}
        )
        post_script = Path(tmp) / "post.lua"
        post_script.write_text(
            session_lua.replace("%(sessions)s", str(post_sessions))
            + LUA_POST % {"answers": FIRST_STEP_ANSWERS}
            + LUA_DONE % {"status": 302, "location": NEXT_STEP}
        )
        scripts = {name: get_script for name in pages}
        scripts["assessment step GET"] = step_script
        pages["assessment step POST"] = FIRST_STEP
        scripts["assessment step POST"] = post_script
        post_slices = iter(range(post_runs))

        def wrk_args(name: str) -> tuple:
            if name == "assessment step POST":
                return (next(post_slices) * POST_SESSIONS, POST_SESSIONS, THREADS)
            if name == "assessment step GET":
                return (0, GET_SESSIONS, THREADS)
            return ()

        info = machine()
        rows = {}
        bare_url = stack.base_url + pages["bare"]
        run_wrk(wrk, bare_url, get_script, WARMUP)
        bare_runs = []
        for name, path in pages.items():
            if name == "bare" or (ONLY_PAGES and name not in ONLY_PAGES):
                continue
            url = stack.base_url + path
            # warm caches, connections and workers
            run_wrk(wrk, url, scripts[name], WARMUP, wrk_args(name))
            # ROUNDS pairs of (bare view, page), each page's ratio taken to the bare run right
            # before it; the median pair is kept, so load from other processes on a shared
            # machine drifts less into the figures.
            pairs = []
            for _round in range(ROUNDS):
                bare_run = run_wrk(wrk, bare_url, get_script, SECONDS)
                page_run = run_wrk(wrk, url, scripts[name], SECONDS, wrk_args(name))
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

    profiled = profile(
        stack, {name: path for name, path in pages.items() if "POST" not in name}, profile_cookies
    )
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
