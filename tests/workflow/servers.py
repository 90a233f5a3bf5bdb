"""Real servers on 127.0.0.1 for delivery tests: an SMTP server (aiosmtpd) that keeps what it receives,
and an HTTP receiver (http.server in a thread) that answers with programmed status codes."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keep:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.handler = _Keep()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages

    def stop(self):
        self.controller.stop()


class Receiver:
    """Answers POSTs with the next status of `statuses` (then 200), keeping each body."""

    def __init__(self, statuses: list[int] | None = None, answer: dict | None = None):
        self.statuses = list(statuses or [])
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.bodies: list[dict] = []
        self.hits: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                code = outer.statuses.pop(0) if outer.statuses else 200
                outer.hits.append(code)
                if code == 200:
                    outer.bodies.append(json.loads(raw.decode("utf-8")))
                payload = json.dumps(outer.answer if code == 200 else {"error": "down"}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
