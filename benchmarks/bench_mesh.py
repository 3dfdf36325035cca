"""Scan analysis cost, as the Celery validation task pays it: peak RSS and seconds per case.

Cases (each measured in its own subprocess, so the RSS is that case's alone):
- 1M-triangle foot surface (binary STL),
- 1M-triangle impression (a foam patch with a foot pressed in, binary STL),
- a 10M-face OBJ (80 MB, under the byte cap): must be refused before any array is built,
- the largest file accepted: a 2M-triangle OBJ (at ``MAX_TRIANGLES``; text, the costliest format).
For each: ``inspect_s`` (parse, classify, scale, measure), ``total_s`` (plus the sole preview and the
3D view's decimated mesh), ``peak_rss_mb`` (the worker process's VmHWM, Django included), ``baseline_rss_mb``
(the same process after Django and numpy were loaded, before the file) and ``total_cpu_s`` (CPU
time: on a shared, loaded machine the wall clock says more about the neighbours than about us).
Targets (issue 15): analysis under 2 s on this machine, RSS under 600 MB.

``--corpus`` prints the corpus error table instead (truth vs measured for every corpus case).
Run: ``.venv/bin/python benchmarks/bench_mesh.py [--corpus]``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitsperfect.settings")

TARGET_SECONDS = 2.0
TARGET_RSS_MB = 600.0


def peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM: reset by exec, unlike ru_maxrss, which a child
    inherits from the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup() -> None:
    import django

    django.setup()


def measure(path: Path) -> dict:
    """In the child: one inspection as the worker does it."""
    _setup()
    import numpy  # noqa: F401 - loaded before the baseline, as in a warm worker

    from orders.scans import meshes

    baseline = peak_rss_mb()
    start = time.perf_counter()
    cpu = time.process_time()
    result: dict = {"file_mb": round(path.stat().st_size / 1e6, 1)}
    try:
        report = meshes.inspect_mesh(path, filename=path.name, max_bytes=150 * 1024 * 1024)
    except meshes.ScanRejected as exc:
        result.update(
            rejected=exc.code,
            inspect_s=round(time.perf_counter() - start, 3),
            inspect_cpu_s=round(time.process_time() - cpu, 3),
        )
    else:
        inspected = time.perf_counter()
        inspected_cpu = time.process_time()
        meshes.render_sole_preview(report, side="right")
        meshes.viewer_mesh(report)
        report.aligned = None
        result.update(
            triangles=report.triangle_count,
            kind=report.kind,
            scale=f"{report.scale.status}:{report.scale.unit}",
            length_mm=report.measurements.length_mm,
            inspect_s=round(inspected - start, 3),
            inspect_cpu_s=round(inspected_cpu - cpu, 3),
        )
    result["total_s"] = round(time.perf_counter() - start, 3)
    result["total_cpu_s"] = round(time.process_time() - cpu, 3)
    result["baseline_rss_mb"] = round(baseline, 1)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def build(case: str, path: Path) -> None:
    """In its own process: writes the case's file."""
    if case == "obj-10m":  # 3 vertices, 10 million faces: what matters is the count
        with path.open("wb") as handle:
            handle.write(b"v 0 0 0\nv 1 0 0\nv 0 1 0\n")
            block = b"f 1 2 3\n" * 1_000_000
            for _ in range(10):
                handle.write(block)
        return
    _setup()
    from orders.scans.tests.mesh_corpus import foot_variant, impression_mesh

    if case == "foot-1m":
        mesh = foot_variant(rings=250, segments=1000)
    elif case == "obj-at-cap":
        mesh = foot_variant(rings=353, segments=1415)  # 1,998,180 triangles
    else:
        mesh = impression_mesh(vertices_target=500_000)
    mesh.export(path)


def corpus() -> int:
    _setup()
    from orders.scans.tests.mesh_corpus import corpus_cases, corpus_table, run_case

    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_case(case, tmp) for case in corpus_cases()]
    print(corpus_table(rows))
    worst = max(
        abs(e) for row in rows if row["report"].scale.status != "unknown" for e in row["errors"]
    )
    bad = [r["case"] for r in rows if not (r["kind_ok"] and r["scale_ok"])]
    print(f"\nworst error (mm/cm/inch cases): {worst:.1f} mm; wrong kind or scale: {bad or 'none'}")
    return 0 if worst <= 3.0 and not bad else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", action="store_true")
    parser.add_argument("--child", type=Path)
    parser.add_argument("--build")
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.corpus:
        return corpus()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    if args.build:
        build(args.build, args.path)
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in ("foot-1m", "impression-1m", "obj-10m", "obj-at-cap"):
            suffix = "obj" if case.startswith("obj") else "stl"
            path = Path(tmp) / f"{case}.{suffix}"
            # Built in a subprocess too: this parent stays small, so nothing inflates the child.
            subprocess.run(
                [sys.executable, __file__, "--build", case, "--path", str(path)], check=True
            )
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[case] = json.loads(out.stdout.strip().splitlines()[-1])
            path.unlink()
    keys = ["triangles", "file_mb", "kind", "scale", "length_mm", "rejected"]
    keys += ["inspect_s", "inspect_cpu_s", "total_s", "total_cpu_s"]
    keys += ["baseline_rss_mb", "peak_rss_mb"]
    print(f"{'metric':<18}" + "".join(f"{case:>19}" for case in results))
    for key in keys:
        row = "".join(f"{results[c].get(key, '-')!s:>19}" for c in results)
        print(f"{key:<18}{row}")
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "bench_mesh.json").write_text(json.dumps(results, indent=2))
    # Time targets are for the three cases the issue names; the at-cap file is the RSS bound.
    timed = ("foot-1m", "impression-1m", "obj-10m")
    rss_ok = all(r["peak_rss_mb"] < TARGET_RSS_MB for r in results.values())
    wall_ok = all(results[c]["inspect_s"] < TARGET_SECONDS for c in timed)
    cpu_ok = all(results[c]["inspect_cpu_s"] < TARGET_SECONDS for c in timed)
    print(
        f"RSS under {TARGET_RSS_MB:.0f} MB: {'yes' if rss_ok else 'NO'}; analysis under "
        f"{TARGET_SECONDS} s: wall clock {'yes' if wall_ok else 'NO'}, CPU {'yes' if cpu_ok else 'NO'}"
    )
    ok = rss_ok and wall_ok
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        "PASS"
        if ok
        else f"FAIL: a case is over {TARGET_SECONDS} s (inspect) or {TARGET_RSS_MB} MB peak RSS"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
