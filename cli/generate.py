"""``t2v generate``: one video, in this process, with a progress bar.

Given a topic instead of a text, the chat model the ``T2V_LLM_*`` settings name writes the
story first, as the gateway's story worker does (gateway.story.writing), and the story is
kept next to the video (``story.mp4`` gets ``story.txt``).
"""

import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from cli.media import MediaFolderRefused, RunMedia, media_of_folder
from cli.pipeline import run_pipeline
from common.errors import T2VError
from common.llm import ChatClient
from common.messages import JobOptions
from common.stages import StageInfo
from gateway.settings import GatewaySettings
from gateway.store import StoryTopic
from gateway.story.writing import DEFAULT_TARGET_SECONDS, MIN_TARGET_SECONDS, write_story

BAR_WIDTH = 30
NO_CHAT_MODEL = (
    "t2v: --topic needs a chat model: set T2V_LLM_BASE_URL and T2V_LLM_MODEL "
    "(and T2V_LLM_API_KEY if the endpoint asks for a key)"
)


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


@dataclass(frozen=True)
class StoryAsked:
    """A story to write from a topic, as ``--topic``, ``--target-seconds`` and ``--tone`` ask."""

    topic: str
    target_seconds: float | None = None
    tone: str | None = None


def generate(
    text: str,
    output: Path,
    options: dict[str, object],
    data_dir: Path | None,
    keep_work: bool,
    story: StoryAsked | None = None,
    media_dir: Path | None = None,
) -> int:
    if story is None and not text.strip():
        print("t2v: no text given", file=sys.stderr)
        return 2
    try:
        job_options = JobOptions.model_validate(options)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        print(f"t2v: invalid option {where}: {error['msg']}", file=sys.stderr)
        return 2
    settings = GatewaySettings()
    data_dir = data_dir or settings.data_dir
    bar = ProgressBar()
    if story is not None:
        chat = ChatClient.of(settings)
        if chat is None:
            print(NO_CHAT_MODEL, file=sys.stderr)
            return 2
        written = _written_story(chat, story, job_options, settings, bar)
        if written is None:
            return 1
        text = written
        output.parent.mkdir(parents=True, exist_ok=True)
        output.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")

    def on_progress(info: StageInfo, note: str | None) -> None:
        bar.show(info.progress, info.message if note is None else f"{info.message} {note}")

    try:
        with _run_media(media_dir, data_dir, settings) as media:
            if media is not None:
                job_options = job_options.model_copy(update={"media": media.choices})
            owner = None if media is None else media.owner
            paths = run_pipeline(text, job_options, data_dir, on_progress, owner)
    except MediaFolderRefused as exc:
        print(f"t2v: {exc}", file=sys.stderr)
        return 2
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


@contextmanager
def _run_media(
    media_dir: Path | None, data_dir: Path, settings: GatewaySettings
) -> Iterator[RunMedia | None]:
    if media_dir is None:
        yield None
        return
    with media_of_folder(media_dir, data_dir, settings.media_limits) as media:
        yield media


def _written_story(
    chat: ChatClient,
    story: StoryAsked,
    options: JobOptions,
    settings: GatewaySettings,
    bar: ProgressBar,
) -> str | None:
    """The story the chat model writes; None, with the reason printed, if it writes none."""
    seconds = story.target_seconds or min(DEFAULT_TARGET_SECONDS, settings.max_video_seconds)
    seconds = min(max(seconds, MIN_TARGET_SECONDS), settings.max_video_seconds)
    topic = StoryTopic(topic=story.topic, target_seconds=seconds, tone=story.tone)
    bar.show(0, "Writing the story...")
    try:
        return write_story(chat, topic, options.language, settings.max_text_chars)
    except T2VError as exc:
        sys.stderr.write("\n")
        print(f"t2v: failed at story: {exc}", file=sys.stderr)
        return None
