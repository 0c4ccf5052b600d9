"""The studio page at ``/``, its files under ``/studio/``, and the API docs at ``/docs``
and ``/redoc``.

The studio is static: HTML, CSS and JavaScript modules shipped in ``gateway/studio/``,
talking to the API under ``/api/v1`` like any client. Nothing is loaded from another site,
so the page's Content-Security-Policy allows this origin alone. Swagger UI's and ReDoc's
files come from the ``fastapi-offline`` package, served from here rather than from a CDN,
so the docs work offline too. None of these routes is part of the API's OpenAPI document.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STUDIO_DIR = Path(__file__).resolve().parents[1] / "studio"
STUDIO_PREFIX = "/studio"
DOCS_ASSETS_PREFIX = "/docs/assets"
DOCS_ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))

# Self only. Videos, posters and downloads fetched with an API key become blob: URLs.
STUDIO_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob:; media-src 'self' blob:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Swagger UI and ReDoc start from an inline script and style their elements inline; ReDoc
# searches in a worker it makes from a blob.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; worker-src blob:; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# The file names carry no version, so a browser keeps a copy but asks whether it changed
# (an ETag or Last-Modified check, answered 304) before each use: a new release shows at once.
REVALIDATE = "no-cache"
_PAGE_HEADERS = {
    "Cache-Control": REVALIDATE,
    "Content-Security-Policy": STUDIO_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The docs' files change only with the package's version: a day's staleness is harmless.
_DOCS_FILES_MAX_AGE = 86400

router = APIRouter(include_in_schema=False)


@router.get("/")
def studio_page() -> FileResponse:
    return FileResponse(STUDIO_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return _docs_page(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Text to video: API",
            swagger_js_url=f"{DOCS_ASSETS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PREFIX}/favicon.png",
        )
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return _docs_page(
        get_redoc_html(
            openapi_url="/openapi.json",
            title="Text to video: API",
            redoc_js_url=f"{DOCS_ASSETS_PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS_PREFIX}/favicon.png",
            with_google_fonts=False,
        )
    )


def _docs_page(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    page.headers["Cache-Control"] = REVALIDATE
    return page


class _HeaderedFiles(StaticFiles):
    """Static files with fixed response headers added (caching, policy)."""

    def __init__(self, directory: Path, headers: dict[str, str]) -> None:
        super().__init__(directory=directory)
        self._headers = headers

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(self._headers)
        return response


def install_studio(app: FastAPI) -> None:
    """Serve the studio and the docs; the app must be made with ``docs_url=None`` and
    ``redoc_url=None``, which would load theirs from a CDN."""
    app.include_router(router)
    app.mount(STUDIO_PREFIX, _HeaderedFiles(STUDIO_DIR, _PAGE_HEADERS), name="studio")
    docs_headers = {
        "Cache-Control": f"public, max-age={_DOCS_FILES_MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
    }
    app.mount(DOCS_ASSETS_PREFIX, _HeaderedFiles(DOCS_ASSETS_DIR, docs_headers), name="docs-assets")
