"""The API's routes, one module per resource, all under ``/api/v1``."""

from fastapi import APIRouter

from gateway.routes import health, jobs, videos

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(jobs.router)
api_router.include_router(videos.router)
api_router.include_router(health.router)
