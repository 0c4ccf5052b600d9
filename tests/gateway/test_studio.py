"""The studio's files and the API docs as the gateway serves them: what each answers, the
page's policy and caching, its size, and that nothing is loaded from another site.

The browser tests (tests/browser/) drive the page itself.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from common.settings import Settings
from gateway.app import create_app
from gateway.routes.studio import STUDIO_DIR
from gateway.settings import GatewaySettings

# The whole studio is what a first visit loads; it must stay small on a phone's network.
FIRST_LOAD_BUDGET_BYTES = 200_000
# An address on another site: a scheme, or a protocol-relative //host.name.
EXTERNAL_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# XML's name for SVG: an identifier, never fetched.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Either name of JavaScript loads a module; which one comes depends on the system's types.
CONTENT_TYPES = {
    ".html": ("text/html",),
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app without its lifespan: static files need neither the broker nor the store."""
    yield TestClient(create_app(GatewaySettings(**settings.model_dump())))


def _studio_files() -> list[Path]:
    return sorted(path for path in STUDIO_DIR.iterdir() if path.is_file())


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_the_page_is_served_at_the_root_with_a_strict_policy(client: TestClient) -> None:
    # When a browser opens the root
    response = client.get("/")

    # Then it gets the studio's page, which may load and call this origin alone
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == (STUDIO_DIR / "index.html").read_text()
    policy = _policy(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    # Videos and posters fetched with an API key are shown through blob: URLs.
    assert policy["img-src"] == policy["media-src"] == ["'self'", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"]
    # And it is checked again on every visit, so a new release shows at once
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_studio_file_is_served_with_its_type_and_revalidated(client: TestClient) -> None:
    for path in _studio_files():
        # When the browser asks for the file
        response = client.get(f"/studio/{path.name}")

        # Then it gets it with its type, the page's policy, and a validator to ask again with
        assert response.status_code == 200, path.name
        assert response.content == path.read_bytes()
        assert response.headers["content-type"].startswith(CONTENT_TYPES[path.suffix]), path
        assert response.headers["cache-control"] == "no-cache"
        assert "content-security-policy" in response.headers
        again = client.get(
            f"/studio/{path.name}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304, path.name


def test_everything_the_page_refers_to_is_there(client: TestClient) -> None:
    # Given the files the page names, and the modules each script imports
    page = (STUDIO_DIR / "index.html").read_text()
    wanted = set(re.findall(r'(?:src|href)="(/studio/[^"]+)"', page))
    for script in STUDIO_DIR.glob("*.js"):
        wanted |= {
            f"/studio/{name}" for name in re.findall(r'from "\./([^"]+)"', script.read_text())
        }

    # Then each is served
    assert {"/studio/app.js", "/studio/studio.css", "/studio/api.js"} <= wanted
    for url in sorted(wanted):
        assert client.get(url).status_code == 200, url


def test_the_studio_fits_its_size_budget() -> None:
    total = sum(path.stat().st_size for path in _studio_files())
    assert total < FIRST_LOAD_BUDGET_BYTES, f"the studio is {total} bytes"


def test_no_studio_file_names_another_site() -> None:
    for path in _studio_files():
        text = path.read_text().replace(SVG_NAMESPACE, "")
        assert EXTERNAL_URL.findall(text) == [], path.name


def test_unknown_and_outside_files_are_not_found(client: TestClient) -> None:
    for url in (
        "/studio/missing.js",
        "/studio/%2e%2e/app.py",
        "/studio/..%2f..%2fapp.py",
        "/studio/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": "Not Found"}, url


def test_the_api_docs_load_their_files_from_this_server(client: TestClient) -> None:
    for docs, files in (
        ("/docs", {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"}),
        ("/redoc", {"/docs/assets/redoc.standalone.js"}),
    ):
        # When a browser opens the API docs, Swagger UI's or ReDoc's
        page = client.get(docs)

        # Then their files come from this server, not from a CDN, and so does the document
        assert page.status_code == 200, docs
        assert EXTERNAL_URL.findall(page.text) == [], docs
        assert "content-security-policy" in page.headers
        assets = set(re.findall(r'(?:src|href)="([^"]+)"', page.text))
        assert files <= assets, docs
        assert "/openapi.json" in page.text
        for asset in assets:
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert "max-age" in response.headers["cache-control"]


def test_the_page_and_the_docs_are_not_api_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/v1/") or path in ("/healthz", "/readyz") for path in paths)
