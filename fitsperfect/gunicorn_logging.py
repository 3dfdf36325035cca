"""gunicorn's access log, masked like the app log: order, result and newsletter tokens in URLs are keys
to names, addresses, health answers and photos, and were written in clear (request line, path, query
and Referer). `--logger-class fitsperfect.gunicorn_logging.RedactingLogger` (the Procfile's web
process) passes every field the access log format uses through `fitsperfect.logging.redact`, the
app log's own filter, so both logs mask the same things the same way.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

from fitsperfect.logging import redact

_ATOM = re.compile(r"%\(([^)]+)\)s")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in set(_ATOM.findall(self.cfg.access_log_format)):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
