"""The job store: what the gateway knows of every job, kept in a database that outlives it.

SQLite (one file in the data directory) unless T2V_DATABASE_URL names a PostgreSQL
database, which several gateway hosts can share. See :mod:`gateway.store.jobs`.
"""

from gateway.settings import GatewaySettings
from gateway.store.jobs import JobStore
from gateway.store.postgres import PostgresDatabase
from gateway.store.records import (
    CANCELLED_MESSAGE,
    TERMINAL_STATUSES,
    FinishedJob,
    Histogram,
    Job,
    JobPage,
    Quota,
    StoryTopic,
    new_job,
)

__all__ = [
    "CANCELLED_MESSAGE",
    "TERMINAL_STATUSES",
    "FinishedJob",
    "Histogram",
    "Job",
    "JobPage",
    "JobStore",
    "Quota",
    "StoryTopic",
    "new_job",
    "open_job_store",
]


def open_job_store(settings: GatewaySettings) -> JobStore:
    """The store the settings name, its schema brought up to date.

    Raise StoreUnavailable if PostgreSQL does not answer within the connect timeout.
    """
    # Made here whichever the database: the free-space check and the artifacts need it.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url is None:
        return JobStore(settings.jobs_db_path, settings.data_dir)
    database = PostgresDatabase(
        settings.database_url.get_secret_value(),
        settings.database_pool_size,
        settings.database_connect_timeout_seconds,
    )
    return JobStore(database, settings.data_dir)
