"""Peak memory and time of handing two 150 MB scans to the lab over HTTP (orders.lab.transports).

    .venv/bin/python benchmarks/bench_lab_upload.py            # BENCH_LAB_UPLOAD_MB=150

A fresh process imports the transport, then sends a payload with two scans of the given size (left and right, as a real submission has) to a
sink server in another process (it reads the whole body, counts the bytes and checks they match
Content-Length, keeps none, and answers 201 with a reference). Printed: the sending process's peak
RSS (VmHWM) before and after `HttpLabTransport.send`, so the difference is what the upload cost
on top of an idle process with the transport loaded, the time it took, and the bytes the sink got.
A body read into memory whole would add at least the scans' size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_MB = int(os.environ.get("BENCH_LAB_UPLOAD_MB", "150"))

_SINK = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_POST(self):
        left = int(self.headers["Content-Length"])
        got = 0
        while left:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            got += len(chunk)
            left -= len(chunk)
        body = json.dumps({"reference": "LAB-BENCH-1", "received_bytes": got}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

_CHILD = r"""
import hashlib, json, sys, time, uuid
from datetime import UTC, datetime
def hwm():  # this process's peak RSS in KB (VmHWM: ru_maxrss would include the parent's at fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from django.conf import settings
settings.configure(USE_I18N=False)
from orders.lab.manifest import LabFile, LabPayload, sha256_of
from orders.lab.transports import HttpLabTransport
from orders.scans.meshes import FootMeasurements
path, port = sys.argv[1], sys.argv[2]
from pathlib import Path
size = Path(path).stat().st_size
digest = sha256_of(Path(path))
scans = [LabFile(role=role, path=path, format="stl", sha256=digest, bytes=size, triangle_count=3_000_000,
                 bbox_mm=(260.0, 102.6, 65.0), source_unit="mm") for role in ("left_scan", "right_scan")]
feet = FootMeasurements(length_mm=260.2, forefoot_width_mm=102.5, heel_width_mm=64.1, arch_height_mm=15.0)
payload = LabPayload(submission_id=str(uuid.uuid4()), order_number="FP-2026-00042", revision=1,
                     created_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC), customer_reference="cust_bench",
                     product="everyday-orthotic", options={}, shoe_size="42", shoe_size_system="EU",
                     measurements={"left": feet, "right": feet}, files=scans, clinician_notes="")
transport = HttpLabTransport(f"http://127.0.0.1:{port}", "bench-key", timeout=120)
before = hwm()
start = time.perf_counter()
receipt = transport.send(payload)
seconds = time.perf_counter() - start
after = hwm()
print(json.dumps({"scan_mb": round(size / 2**20), "seconds": round(seconds, 2),
                  "peak_rss_mb": round(after / 1024, 1), "extra_peak_mb": round((after - before) / 1024, 1),
                  "sink_received_bytes": receipt.details["received_bytes"]}))
"""


def _scan(path: Path, megabytes: int) -> None:
    """An ASCII-STL-looking file written a megabyte at a time (never whole in memory)."""
    block = (b"solid bench\n" + os.urandom(1 << 20))[: 1 << 20]
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(block)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        scan = Path(folder) / "left.stl"
        _scan(scan, SIZE_MB)
        sink = subprocess.Popen(
            [sys.executable, "-c", _SINK], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        try:
            port = sink.stdout.readline().strip()
            result = subprocess.run(
                [sys.executable, "-c", _CHILD, str(scan), port],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        finally:
            sink.terminate()
            sink.wait(timeout=10)
    if result.returncode:
        sys.exit(result.stderr)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(figures))
    print(
        f"lab upload of two {figures['scan_mb']} MB scans: +{figures['extra_peak_mb']} MB peak RSS "
        f"({figures['peak_rss_mb']} MB process), {figures['seconds']} s"
    )


if __name__ == "__main__":
    main()
