"""``t2v generate``: one video, in this process, with a progress bar."""

import shutil
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from cli.pipeline import run_pipeline
from common.errors import T2VError
from common.messages import JobOptions
from common.settings import Settings
from common.stages import StageInfo

BAR_WIDTH = 30


class ProgressBar:
    """One line on stderr, redrawn in place on a terminal and appended to otherwise."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.interactive = sys.stderr.isatty()

    def show(self, percent: int, message: str) -> None:
        filled = BAR_WIDTH * percent // 100
        elapsed = time.monotonic() - self.started
        line = (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {elapsed:5.1f}s {message}"
        )
        if self.interactive:
            sys.stderr.write("\r\033[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def finish(self, message: str) -> None:
        self.show(100, message)
        if self.interactive:
            sys.stderr.write("\n")


def generate(
    text: str,
    output: Path,
    options: dict[str, object],
    data_dir: Path | None,
    keep_work: bool,
) -> int:
    if not text.strip():
        print("t2v: no text given", file=sys.stderr)
        return 2
    try:
        job_options = JobOptions.model_validate(options)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        print(f"t2v: invalid option {where}: {error['msg']}", file=sys.stderr)
        return 2
    data_dir = data_dir or Settings().data_dir
    bar = ProgressBar()

    def on_progress(info: StageInfo, note: str | None) -> None:
        bar.show(info.progress, info.message if note is None else f"{info.message} {note}")

    try:
        paths = run_pipeline(text, job_options, data_dir, on_progress)
    except T2VError as exc:
        sys.stderr.write("\n")
        print(f"t2v: failed: {exc}", file=sys.stderr)
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(paths.video, output)
    if not keep_work:
        shutil.rmtree(paths.work_dir, ignore_errors=True)
    bar.finish(f"Video generation completed: {output}")
    return 0
