"""What route handlers get injected: settings, the store, the broker link, retention, a job."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gateway.broker import BrokerLink
from gateway.retention import Retention
from gateway.settings import GatewaySettings
from gateway.store import Job, JobStore


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings


def _store(request: Request) -> JobStore:
    return request.app.state.store


def _broker(request: Request) -> BrokerLink:
    return request.app.state.broker


def _retention(request: Request) -> Retention:
    return Retention.of(request.app.state.settings)


SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
BrokerDep = Annotated[BrokerLink, Depends(_broker)]
RetentionDep = Annotated[Retention, Depends(_retention)]


def _existing_job(job_id: str, store: StoreDep) -> Job:
    # Ids come only from the store, never from the path, so no request can name a file.
    job = store.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="Job not found")
    return job


JobDep = Annotated[Job, Depends(_existing_job)]
