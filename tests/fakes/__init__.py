"""Fakes of services we cannot reach here (Stripe, the lab), served as real HTTP servers on 127.0.0.1."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve_http(
    handler_class: type[BaseHTTPRequestHandler], **state
) -> Iterator[ThreadingHTTPServer]:
    """Serves `handler_class` on a free port of 127.0.0.1 in a thread; `server.url` is its base URL.

    Extra keyword arguments become attributes of the server, so handlers share state through
    `self.server` (counters, scripted failures...).
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    for name, value in state.items():
        setattr(server, name, value)
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
