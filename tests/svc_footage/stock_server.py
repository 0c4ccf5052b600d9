"""A local HTTP server that answers like Pexels and Pixabay and serves real video files.

Searches answer in each provider's own format, page by page, from the videos and photos a
test gives it; any path
can be made to misbehave for its next requests (an error status, a stall, a cut-off body),
and every request is recorded so tests can count what was asked, as is every connection,
so tests can show that a refused download never reached the server at all.
"""

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from svc_footage.download_rules import DownloadRules

PEXELS_KEY = "pexels-test-key"
PIXABAY_KEY = "pixabay-test-key"
# The lab settings that let downloads reach this server: plain http on 127.0.0.1.
LOCAL_DOWNLOADS = DownloadRules(hosts=("127.0.0.1",), allow_private_addresses=True)


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """An answer given instead of the normal one; fields left out keep the normal answer."""

    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before anything is sent
    cut_at: int | None = None  # send only this many bytes of the body, then hang up
    drip: float = 0.0  # seconds between 1 KiB chunks of the body
    no_length: bool = False  # no Content-Length: the body ends when the connection closes
    hold: threading.Event | None = None  # nothing is sent until the test sets it


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str]


class StockServer:
    def __init__(self, url: str) -> None:
        self.url = url
        # What each search term finds, as the provider's own JSON objects.
        self.pexels_videos: dict[str, list[dict[str, Any]]] = {}
        self.pixabay_hits: dict[str, list[dict[str, Any]]] = {}
        self.pexels_photos: dict[str, list[dict[str, Any]]] = {}
        self.pixabay_images: dict[str, list[dict[str, Any]]] = {}
        # Anything else: path -> (body, content type).
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[Request] = []
        self.connections = 0
        # The paths of requests answered with a held reply, as each began to wait.
        self.held: list[str] = []
        self._replies: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()

    @property
    def pexels_base_url(self) -> str:
        return f"{self.url}/pexels"

    @property
    def pixabay_base_url(self) -> str:
        return f"{self.url}/pixabay/api"

    def add_file(self, path: str, body: bytes, content_type: str = "video/mp4") -> str:
        """Serve ``body`` at ``path``; return its URL."""
        self.files[path] = (body, content_type)
        return f"{self.url}{path}"

    def misbehave(self, path: str, *replies: Reply) -> None:
        """Answer the next requests for ``path`` with ``replies``, one each, in order."""
        with self._lock:
            self._replies.setdefault(path, deque()).extend(replies)

    def count(self, path_prefix: str) -> int:
        return sum(request.path.startswith(path_prefix) for request in self.requests)

    def searches(self, provider: str, kind: str = "videos") -> list[str]:
        """The terms searched on ``provider`` for ``kind`` ("videos", "photos"), in order,
        each followed by "#<page>" when the page asked for is not the first."""
        parameter = {"pexels": "query", "pixabay": "q"}[provider]
        path = SEARCH_PATHS[provider, kind]
        return [
            request.query[parameter]
            + (f"#{request.query['page']}" if request.query.get("page", "1") != "1" else "")
            for request in self.requests
            if request.path == path
        ]

    def answer(self, request: Request) -> tuple[_Answer, Reply | None]:
        with self._lock:
            self.requests.append(request)
            pending = self._replies.get(request.path)
            reply = pending.popleft() if pending else None
            if reply is not None and reply.hold is not None:
                self.held.append(request.path)
        normal = self._normal_answer(request)
        if reply is None:
            return normal, None
        return (
            _Answer(
                status=reply.status if reply.status is not None else normal.status,
                body=reply.body if reply.body is not None else normal.body,
                headers={**normal.headers, **reply.headers},
            ),
            reply,
        )

    def _normal_answer(self, request: Request) -> _Answer:
        if request.path == SEARCH_PATHS["pexels", "videos"]:
            return self._pexels_search(request, "videos", self.pexels_videos)
        if request.path == SEARCH_PATHS["pexels", "photos"]:
            return self._pexels_search(request, "photos", self.pexels_photos)
        if request.path == SEARCH_PATHS["pixabay", "videos"]:
            return self._pixabay_search(request, self.pixabay_hits)
        if request.path == SEARCH_PATHS["pixabay", "photos"]:
            if request.query.get("image_type") != "photo":
                return _json(200, {"total": 0, "totalHits": 0, "hits": []})
            return self._pixabay_search(request, self.pixabay_images)
        if request.path.startswith("/redirect/"):
            # Pexels' file links answer with a redirect to its CDN.
            target = request.path.removeprefix("/redirect")
            return _Answer(302, b"", {"Location": f"{self.url}{target}"})
        if request.path in self.files:
            body, content_type = self.files[request.path]
            return _Answer(200, body, {"Content-Type": content_type})
        return _Answer(404, b"Not Found", {"Content-Type": "text/plain"})

    def _pexels_search(
        self, request: Request, kind: str, found: dict[str, list[dict[str, Any]]]
    ) -> _Answer:
        if request.headers.get("authorization") != PEXELS_KEY:
            return _json(401, {"error": "Unauthorized"})
        per_page = int(request.query.get("per_page", "15"))
        page = int(request.query.get("page", "1"))
        results = found.get(request.query.get("query", ""), [])
        document: dict[str, Any] = {
            "page": page,
            "per_page": per_page,
            "total_results": len(results),
            kind: results[(page - 1) * per_page : page * per_page],
        }
        if kind == "videos":
            document["url"] = "https://www.pexels.com/search/videos/"
        if page * per_page < len(results):
            document["next_page"] = f"https://api.pexels.com/v1/search/?page={page + 1}"
        return _json(200, document)

    def _pixabay_search(self, request: Request, found: dict[str, list[dict[str, Any]]]) -> _Answer:
        if request.query.get("key") != PIXABAY_KEY:
            body = b"[ERROR 400] Invalid or missing API key (https://pixabay.com/api/docs/)."
            return _Answer(400, body, {"Content-Type": "text/html; charset=utf-8"})
        per_page = int(request.query.get("per_page", "20"))
        page = int(request.query.get("page", "1"))
        hits = found.get(request.query.get("q", ""), [])
        page_hits = hits[(page - 1) * per_page : page * per_page]
        return _json(200, {"total": len(hits), "totalHits": len(hits), "hits": page_hits})


SEARCH_PATHS = {
    ("pexels", "videos"): "/pexels/videos/search",
    ("pexels", "photos"): "/pexels/v1/search",
    ("pixabay", "videos"): "/pixabay/api/videos/",
    ("pixabay", "photos"): "/pixabay/api/",
}


def _json(status: int, document: Any) -> _Answer:
    return _Answer(status, json.dumps(document).encode(), {"Content-Type": "application/json"})


def pexels_video(
    video_id: int,
    width: int,
    height: int,
    duration: int,
    files: list[tuple[int, str]],
    title: str = "clip",
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A video as Pexels' search lists it; ``files`` are (file id, URL) at the video's size,
    plus the streaming rendition Pexels always adds, which has no size. Its page is named
    after its ``title``, as Pexels names them."""
    return {
        "id": video_id,
        "width": width,
        "height": height,
        "url": f"https://www.pexels.com/video/{_slug(title)}-{video_id}/",
        "image": f"https://images.pexels.com/videos/{video_id}/picture.jpeg",
        "full_res": None,
        "tags": list(tags),
        "duration": duration,
        "user": {"id": 1, "name": "A. Videographer", "url": "https://www.pexels.com/@a"},
        "video_files": [
            *(
                {
                    "id": file_id,
                    "quality": "sd",
                    "file_type": "video/mp4",
                    "width": width,
                    "height": height,
                    "fps": 10,
                    "link": url,
                }
                for file_id, url in files
            ),
            {
                "id": video_id * 10,
                "quality": None,
                "file_type": "application/x-mpegURL",
                "width": None,
                "height": None,
                "fps": None,
                "link": f"https://player.vimeo.com/external/{video_id}.m3u8",
            },
        ],
        "video_pictures": [],
    }


def pixabay_hit(
    hit_id: int,
    duration: int,
    renditions: dict[str, tuple[int, int, str, int]],
    tags: str = "test, clip",
) -> dict[str, Any]:
    """A video as Pixabay's search lists it; ``renditions`` name -> (width, height, URL, bytes).
    Renditions not given come as Pixabay sends missing ones: empty, with zero sizes."""
    return {
        "id": hit_id,
        "pageURL": f"https://pixabay.com/videos/{_slug(tags)}-{hit_id}/",
        "type": "film",
        "tags": tags,
        "duration": duration,
        "videos": {
            name: (
                {
                    "url": renditions[name][2],
                    "width": renditions[name][0],
                    "height": renditions[name][1],
                    "size": renditions[name][3],
                    "thumbnail": f"https://cdn.pixabay.com/video/{hit_id}_{name}.jpg",
                }
                if name in renditions
                else {"url": "", "width": 0, "height": 0, "size": 0, "thumbnail": ""}
            )
            for name in ("large", "medium", "small", "tiny")
        },
        "views": 10,
        "downloads": 2,
        "likes": 1,
        "comments": 0,
        "user_id": 1,
        "user": "someone",
        "userImageURL": "",
    }


def pexels_photo(photo_id: int, width: int, height: int, url: str, alt: str) -> dict[str, Any]:
    """A photo as Pexels' search lists it: the original at ``url``, and each smaller size
    at ``url`` too, with Pexels' size parameters."""
    src = {name: f"{url}?{query}" for name, query in PEXELS_PHOTO_SIZES.items()}
    src["original"] = url
    return {
        "id": photo_id,
        "width": width,
        "height": height,
        "url": f"https://www.pexels.com/photo/{_slug(alt)}-{photo_id}/",
        "photographer": "A. Photographer",
        "photographer_url": "https://www.pexels.com/@a",
        "photographer_id": 1,
        "avg_color": "#978E82",
        "src": src,
        "liked": False,
        "alt": alt,
    }


PEXELS_PHOTO_SIZES = {
    "large2x": "auto=compress&cs=tinysrgb&dpr=2&h=650&w=940",
    "large": "auto=compress&cs=tinysrgb&h=650&w=940",
    "medium": "auto=compress&cs=tinysrgb&h=350",
    "small": "auto=compress&cs=tinysrgb&h=130",
    "portrait": "auto=compress&cs=tinysrgb&fit=crop&h=1200&w=800",
    "landscape": "auto=compress&cs=tinysrgb&fit=crop&h=627&w=1200",
    "tiny": "auto=compress&cs=tinysrgb&dpr=1&fit=crop&h=200&w=280",
}


def pixabay_image(image_id: int, width: int, height: int, url: str, tags: str) -> dict[str, Any]:
    """A photo as Pixabay's image search lists it; its large size is served at ``url``."""
    return {
        "id": image_id,
        "pageURL": f"https://pixabay.com/photos/{_slug(tags)}-{image_id}/",
        "type": "photo",
        "tags": tags,
        "previewURL": f"https://cdn.pixabay.com/photo/{image_id}_150.jpg",
        "previewWidth": 150,
        "previewHeight": 99,
        "webformatURL": f"https://pixabay.com/get/{image_id}_640.jpg",
        "webformatWidth": 640,
        "webformatHeight": 426,
        "largeImageURL": url,
        "imageWidth": width,
        "imageHeight": height,
        "imageSize": 4731420,
        "views": 10,
        "downloads": 2,
        "collections": 0,
        "likes": 1,
        "comments": 0,
        "user_id": 1,
        "user": "someone",
        "userImageURL": "",
    }


def _slug(title: str) -> str:
    """A page name as the providers make them: "Gulls, over the shore" -> "gulls-over-the-shore"."""
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())


@contextmanager
def running_stock_server() -> Iterator[StockServer]:
    httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
    host, port = httpd.server_address[:2]
    stock = httpd.stock = StockServer(f"http://{host!s}:{port}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield stock
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler stalling on purpose must not hold up the test
    stock: StockServer

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.stock._lock:
            self.stock.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up mid-answer on purpose here: timeouts, size and time limits.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        assert isinstance(self.server, _HTTPServer)
        stock = self.server.stock
        parts = urlsplit(self.path)
        request = Request(
            path=parts.path,
            query={name: values[0] for name, values in parse_qs(parts.query).items()},
            headers={name.lower(): value for name, value in self.headers.items()},
        )
        answer, reply = stock.answer(request)
        self._send(answer, reply or Reply())

    def _send(self, answer: _Answer, reply: Reply) -> None:
        if reply.hold is not None:
            reply.hold.wait()
        time.sleep(reply.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if reply.no_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        body = answer.body if reply.cut_at is None else answer.body[: reply.cut_at]
        chunk = 1024 if reply.drip else max(1, len(body))
        for start in range(0, len(body), chunk):
            self.wfile.write(body[start : start + chunk])
            self.wfile.flush()
            time.sleep(reply.drip)
        if reply.cut_at is not None:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded on the StockServer instead
