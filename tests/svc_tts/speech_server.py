"""A local server speaking OpenAI's speech wire format (POST /v1/audio/speech)."""

import io
import json
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


def tone_wav(seconds: float, rate: int = 16_000) -> bytes:
    """A 440 Hz tone as a mono 16-bit WAV, as a speech endpoint answers."""
    times = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 440 * times) * 10_000).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return buffer.getvalue()


@dataclass
class SpeechServer:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    # What it answers: an HTTP status and a body.
    status: int = 200
    body: bytes = field(default_factory=lambda: tone_wav(0.5))


@contextmanager
def speech_server() -> Iterator[SpeechServer]:
    server_state: list[SpeechServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state = server_state[0]
            length = int(self.headers.get("Content-Length", "0"))
            payload = self.rfile.read(length)
            if self.path != "/v1/audio/speech":
                self.send_error(404)
                return
            state.requests.append(json.loads(payload))
            state.headers.append({key.lower(): value for key, value in self.headers.items()})
            self.send_response(state.status)
            kind = "audio/wav" if state.status == 200 else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.append(SpeechServer(url=f"http://127.0.0.1:{server.server_port}/v1"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state[0]
    finally:
        server.shutdown()
        server.server_close()
