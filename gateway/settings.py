"""The gateway's settings: the shared ones plus where and how it serves HTTP."""

from pathlib import Path

from common.settings import Settings


class GatewaySettings(Settings):
    host: str = "0.0.0.0"
    port: int = 5000
    # Longer stories make videos nobody waits for; the limit keeps one request from
    # occupying the pipeline for hours.
    max_text_chars: int = 20000

    @property
    def jobs_db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"
