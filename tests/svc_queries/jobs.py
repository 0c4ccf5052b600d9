"""Jobs for the queries stage: captions on disk, as the captions stage leaves them."""

from pathlib import Path

from common.artifacts import JobPaths
from common.documents import CaptionGroup, Captions, Word, save_document
from common.messages import JobOptions, StageMessage

# A story told in three sentences; with four-second segments, one segment each.
LIGHTHOUSE_STORY = (
    "The old lighthouse stood on the cliff. Waves crashed against the dark rocks. "
    "And then it was over."
)
LIGHTHOUSE_GROUPS = [
    ("The old lighthouse", 0.2, 1.4), ("stood on the cliff.", 1.5, 3.0),
    ("Waves crashed against", 3.3, 4.6), ("the dark rocks.", 4.6, 6.0),
    ("And then it was over.", 6.3, 8.5),
]  # fmt: skip
LIGHTHOUSE_SEGMENT_TEXTS = [
    "The old lighthouse stood on the cliff.",
    "Waves crashed against the dark rocks.",
    "And then it was over.",
]
# What the keyword extractor makes of them: the last has no noun, so it gets the story's subject.
LIGHTHOUSE_KEYWORD_TERMS = [
    ["old lighthouse", "cliff"],
    ["dark rocks", "waves"],
    ["old lighthouse"],
]


def captions(groups: list[tuple[str, float, float]], duration: float) -> Captions:
    caption_groups = []
    for text, start, end in groups:
        words = [Word(text=word, start=start, end=end) for word in text.split()]
        caption_groups.append(CaptionGroup(text=text, start=start, end=end, words=words))
    words = [word for group in caption_groups for word in group.words]
    return Captions(duration=duration, words=words, groups=caption_groups)


def job_with_captions(
    data_dir: Path,
    job_id: str,
    story: str = LIGHTHOUSE_STORY,
    groups: list[tuple[str, float, float]] = LIGHTHOUSE_GROUPS,
    duration: float = 9.0,
    options: JobOptions | None = None,
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(data_dir, job_id)
    save_document(captions(groups, duration), paths.captions)
    job = StageMessage(
        job_id=job_id,
        text=story,
        options=options or JobOptions(),
        artifacts={"captions": paths.relative(paths.captions)},
    )
    return job, paths
