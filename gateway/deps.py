"""What route handlers get injected: settings, the store, the broker link, intake, retention, a job.

Every dependency is a coroutine: FastAPI runs plain functions in a thread pool, and that
hop costs more than the work itself. Resolving a dependency costs about as much as a job
lookup (one indexed SQLite read), so the lookup takes the store straight from the app.
"""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gateway.access import Caller, CallerDep
from gateway.broker import BrokerLink
from gateway.intake import Intake
from gateway.retention import Retention
from gateway.settings import GatewaySettings
from gateway.store import Job, JobStore


async def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings


async def _store(request: Request) -> JobStore:
    return request.app.state.store


async def _broker(request: Request) -> BrokerLink:
    return request.app.state.broker


async def _intake(request: Request) -> Intake:
    return request.app.state.intake


async def _retention(request: Request) -> Retention:
    return Retention.of(request.app.state.settings)


SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
BrokerDep = Annotated[BrokerLink, Depends(_broker)]
IntakeDep = Annotated[Intake, Depends(_intake)]
RetentionDep = Annotated[Retention, Depends(_retention)]


def find_job(request: Request, job_id: str, caller: Caller) -> Job:
    """The job ``job_id`` names, or a 404: for handlers too hot to resolve a dependency.

    Another key's job is not found either: its answer must not tell that it exists.
    """
    # Ids come only from the store, never from the path, so no request can name a file.
    store: JobStore = request.app.state.store
    job = store.get(job_id)
    if job is None or not caller.may_see(job.owner):
        raise HTTPException(status_code=404, detail="Job not found")
    return job


async def _existing_job(job_id: str, request: Request, caller: CallerDep) -> Job:
    return find_job(request, job_id, caller)


JobDep = Annotated[Job, Depends(_existing_job)]
