#!/usr/bin/env python3
"""One new advisory -> alerts created -> delivered to a connected SSE client, end to end.

Runs a real hub over the database early_warning_bench leaves behind (the whole sector, every
advisory, the initial alerts), connects a provider's live stream (GET /api/v1/alerts/stream, as
the web UI does), then POSTs ICSMA-22-006-01 under a new tracking id as the support centre and
times the moment the provider's `alert.created` event arrives on the stream. Each run uses a new
tracking id, so each one is a new advisory; the first run comes right after start-up, while the
hub's delivery is still fanning out the initial match's alerts to inboxes.

    bench/early_warning_live.py --hub build/bench/bin/caduceus-hub --db /tmp/early-warning-bench.db \
        --csaf ../shared/data/csaf/.../icsma-22-006-01.json [--runs 5]

Prints, per run, the import's HTTP answer time and the SSE arrival time, both measured from just
before the POST, then the median and the worst.
"""

import argparse
import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "bench password for the live early-warning run"


def hub_cli(hub, db, *args, stdin=None):
    out = subprocess.run([hub, *args, "--database", f"sqlite://{db}"], input=stdin,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"caduceus-hub {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def ensure_user(hub, db, username, org, role):
    with sqlite3.connect(db) as conn:
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            return
    hub_cli(hub, db, "user", "add", "--username", username, "--org", str(org), "--role", role,
            "--password-stdin", stdin=PASSWORD + "\n")


def token_for(hub, db, username):
    token = hub_cli(hub, db, "token", "create", "--username", username, "--name", "live bench",
                    "--scopes", "read,write", "--days", "1").strip()
    if not token.startswith("cdc_"):
        sys.exit(f"no token in: {token!r}")
    return token


class Stream(threading.Thread):
    """Reads one SSE connection and records when each alert.created event arrives."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/api/v1/alerts/stream",
                          headers={"Authorization": f"Bearer {token}",
                                   "Accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            sys.exit(f"stream: HTTP {self.response.status} {self.response.read()[:300]!r}")
        self.arrivals = []  # (monotonic time, advisory key in the event)
        self.changed = threading.Condition()

    def run(self):
        kind = None
        while True:
            line = self.response.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: ") and kind == "alert.created":
                now = time.monotonic()
                with self.changed:
                    self.arrivals.append((now, line))
                    self.changed.notify_all()

    def wait_for(self, needle, deadline):
        with self.changed:
            while True:
                for when, data in self.arrivals:
                    if needle in data:
                        return when
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hub", required=True)
    ap.add_argument("--db", required=True, help="the database early_warning_bench wrote")
    ap.add_argument("--csaf", required=True, help="icsma-22-006-01.json")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    db = os.path.abspath(args.db)

    with open(args.csaf, encoding="utf-8") as f:
        document = json.load(f)
    with sqlite3.connect(db) as conn:
        centre = conn.execute("SELECT id FROM organisations WHERE kind = 'support_centre'").fetchone()
        provider = conn.execute(
            "SELECT org_id FROM adv_alerts WHERE advisory_key LIKE '%ICSMA-22-006-01%' "
            "ORDER BY org_id LIMIT 1").fetchone()
    if not centre or not provider:
        sys.exit("run early_warning_bench first: no support centre or no Engage alert in the db")

    hub_cli(args.hub, db, "migrate")
    ensure_user(args.hub, db, "bench.centre", centre[0], "admin")
    ensure_user(args.hub, db, "bench.provider", provider[0], "analyst")
    centre_token = token_for(args.hub, db, "bench.centre")
    provider_token = token_for(args.hub, db, "bench.provider")

    with tempfile.TemporaryDirectory(prefix="caduceus-live-bench.") as tmp:
        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(tmp, "hub.log"), "w")
        started = time.monotonic()
        hub = subprocess.Popen([args.hub, "serve", "--database", f"sqlite://{db}", "--listen",
                                "127.0.0.1:0", "--port-file", port_file], stdout=log, stderr=log)
        try:
            port = None
            while time.monotonic() - started < 900:
                if hub.poll() is not None:
                    sys.exit(f"the hub stopped: see {log.name}")
                if os.path.exists(port_file) and open(port_file).read().strip():
                    port = int(open(port_file).read())
                    break
                time.sleep(0.2)
            if port is None:
                sys.exit("the hub did not start within 15 minutes")
            print(f"hub ready after {time.monotonic() - started:.1f} s (start-up, not timed "
                  f"below); provider org {provider[0]}", flush=True)

            answers, arrivals = [], []
            # One stream for every run, as a browser tab keeps one open.
            stream = Stream(port, provider_token)
            stream.start()
            for run in range(args.runs):
                time.sleep(0.5)  # the stream is idle before each new advisory
                key = f"BENCH-LIVE-{os.getpid()}-{run}"
                document["document"]["tracking"]["id"] = key
                body = json.dumps(document)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                t0 = time.monotonic()
                conn.request("POST", "/api/v1/advisories", body=body,
                             headers={"Authorization": f"Bearer {centre_token}",
                                      "Content-Type": "application/json"})
                answer = conn.getresponse()
                answer.read()
                t_answer = time.monotonic() - t0
                if answer.status not in (200, 201):
                    sys.exit(f"import: HTTP {answer.status}")
                when = stream.wait_for(key, time.monotonic() + 30)
                if when is None:
                    log.flush()
                    tail = open(log.name).read().splitlines()[-20:]
                    sys.exit(f"run {run}: no alert.created for {key} within 30 s of the import's answer "
                             f"({t_answer:.1f} s); the hub's log "
                             "ends:\n" + "\n".join(tail))
                arrivals.append(when - t0)
                answers.append(t_answer)
                print(f"run {run}: import answered {t_answer * 1000:7.1f} ms, "
                      f"alert on the stream after {(when - t0) * 1000:7.1f} ms", flush=True)
            stream.conn.close()
            print(f"new advisory -> alert on a connected SSE client: median "
                  f"{statistics.median(arrivals) * 1000:.1f} ms, worst {max(arrivals) * 1000:.1f} ms "
                  f"over {len(arrivals)} runs (import answered: median "
                  f"{statistics.median(answers) * 1000:.1f} ms)")
        finally:
            hub.terminate()
            try:
                hub.wait(timeout=30)
            except subprocess.TimeoutExpired:
                hub.kill()


if __name__ == "__main__":
    main()
