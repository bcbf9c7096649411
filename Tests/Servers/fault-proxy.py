#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for tests: answers the first N requests with an error, forwards the rest.

    fault-proxy.py LISTEN_PORT UPSTREAM_PORT STATUS COUNT [RETRY_AFTER|-] [AFTER]

Listens on 127.0.0.1:LISTEN_PORT. After the first AFTER requests (default 0), which are forwarded, the next COUNT
requests get STATUS (e.g. 429 or 500) with a SCIM error body and, unless "-", a Retry-After header; later
requests are forwarded to 127.0.0.1:UPSTREAM_PORT and the
answer relayed. Every request is counted; GET /__faults on the proxy itself reports
{"requests": R, "faults": F} without counting. Prints "ready" on stdout once listening. Standard library only.
"""
import http.client
import http.server
import json
import sys
import threading

listen_port, upstream_port, status, count = (int(a) for a in sys.argv[1:5])
retry_after = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != "-" else None
after = int(sys.argv[6]) if len(sys.argv) > 6 else 0
lock = threading.Lock()
state = {"requests": 0, "faults": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/__faults":
            with lock:
                payload = json.dumps(state).encode()
            self.reply(200, {"Content-Type": "application/json"}, payload)
            return
        with lock:
            state["requests"] += 1
            fault = state["requests"] > after and state["faults"] < count
            if fault:
                state["faults"] += 1
        if fault:
            headers = {"Content-Type": "application/scim+json"}
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status)}
            self.reply(status, headers, json.dumps(error).encode())
            return
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body=body if body else None, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        relayed = {k: v for k, v in response.getheaders()
                   if k.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date")}
        upstream.close()
        self.reply(response.status, relayed, payload)

    def reply(self, status, headers, payload):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Handler)
print("ready", flush=True)
server.serve_forever()
