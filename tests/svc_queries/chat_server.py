"""A local server that answers ``POST /v1/chat/completions`` the way OpenAI-compatible APIs do.

A test scripts its replies in order and reads back the requests it received.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    content: str = ""  # the assistant's message, for a 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    body: str | None = None  # sent as it is instead of a chat completion, as a broken proxy might


def answer(content: str) -> Reply:
    return Reply(content=content)


def terms_answer(*terms: list[str]) -> Reply:
    """A well-formed answer giving these terms to segments 1, 2, …"""
    segments = [{"segment": number, "terms": t} for number, t in enumerate(terms, start=1)]
    return answer(json.dumps({"segments": segments}))


class ChatServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def next_reply(self) -> Reply:
        if not self.replies:
            return Reply(status=500, content="the test scripted no more replies")
        return self.replies.pop(0)

    @contextmanager
    def running(self) -> Iterator["ChatServer"]:
        # A short poll interval lets shutdown return at once instead of after half a second.
        thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.closing.set()  # a reply still waiting out its delay gives up
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join()


def _handler_for(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class ChatCompletionsHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/v1/chat/completions":
                self._send(404, _error_body("unknown path", "invalid_request_error"), {})
                return
            request = json.loads(body)
            server.requests.append(request)
            reply = server.next_reply()
            if server.closing.wait(reply.delay):
                return
            if reply.body is not None:
                self._send_bytes(reply.status, reply.body.encode(), reply.headers)
            elif reply.status == 200:
                self._send(200, _completion_body(request["model"], reply.content), reply.headers)
            else:
                kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
                self._send(reply.status, _error_body(reply.content, kind), reply.headers)

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            self._send_bytes(status, json.dumps(body).encode(), headers)

        def _send_bytes(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as the timeout test wants it to

        def log_message(self, format: str, *args: Any) -> None:
            pass  # pytest shows stderr of failing tests; request lines would bury the cause

    return ChatCompletionsHandler


def _completion_body(model: str, content: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_local_test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 120,
            "completion_tokens": len(content.split()),
            "total_tokens": 120 + len(content.split()),
        },
    }


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
