"""The physical limit: the article's exact HTML bytes from the smallest WSGI app."""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BASELINE_FILE"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
