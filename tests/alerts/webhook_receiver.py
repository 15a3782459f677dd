"""A webhook receiver for the tests, run as its own process: `python webhook_receiver.py PORT LOG`.

Appends each call to LOG as one JSON line (headers, body) once answered; answers 500 to the first
N calls when LOG.fail holds N; while LOG.stall exists, holds each call before answering (a worker
can then be killed mid-delivery)."""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PORT, LOG = int(sys.argv[1]), Path(sys.argv[2])
FAIL, STALL = LOG.with_suffix(".fail"), LOG.with_suffix(".stall")
calls = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global calls
        calls += 1
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if STALL.exists():
            LOG.with_suffix(".stalled").touch()
            while STALL.exists():
                time.sleep(0.05)
        failing = calls <= int(FAIL.read_text()) if FAIL.exists() else False
        with LOG.open("a") as log:
            log.write(json.dumps({"headers": dict(self.headers), "body": body, "failed": failing}) + "\n")
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
