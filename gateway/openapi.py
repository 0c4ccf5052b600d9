"""The OpenAPI document, completed with what the framework cannot see for itself.

POST /generate reads its body by hand (see :mod:`gateway.generate_request`), so the framework
does not know its shape; the document states it here, with the configured text limit, so
clients and fuzzers learn what a valid job looks like. GET /status is served by a plain
route the framework cannot see (see :mod:`gateway.routes.status`), so the framework reads
its operation from a route made for the document alone. API keys are read by hand too
(see :mod:`gateway.access`), so the routes that need one are marked here.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.access import SECURITY_SCHEMES
from gateway.routes import status
from gateway.schemas import GenerateRequest, TopicRequest

_GENERATE_PATH = "/api/v1/generate"


def install_openapi(app: FastAPI, max_text_chars: int) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            routes = [*app.routes, status.documentation]
            document = get_openapi(title=app.title, version=app.version, routes=routes)
            _describe_generate_body(document, max_text_chars)
            _drop_status_validation_error(document)
            _describe_api_keys(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_generate_body(document: dict[str, Any], max_text_chars: int) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    # A job is asked for by text, or by topic for the gateway's chat model to write.
    bodies = []
    for model in (GenerateRequest, TopicRequest):
        request_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(request_schema.pop("$defs", {}))
        schemas[model.__name__] = request_schema
        bodies.append({"$ref": f"#/components/schemas/{model.__name__}"})
    schemas[GenerateRequest.__name__]["properties"]["text"]["maxLength"] = max_text_chars
    document["paths"][_GENERATE_PATH]["post"]["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"anyOf": bodies}}},
    }


def _drop_status_validation_error(document: dict[str, Any]) -> None:
    # FastAPI documents a 422 for any route with parameters; the plain status route
    # validates nothing, so it never answers one.
    del document["paths"][status.documentation.path_format]["get"]["responses"]["422"]


def _describe_api_keys(document: dict[str, Any]) -> None:
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    either_key: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
    # Exactly the operations that need a key document a 401 (see gateway.routes).
    for operations in document["paths"].values():
        for operation in operations.values():
            if "401" in operation["responses"]:
                operation["security"] = either_key
