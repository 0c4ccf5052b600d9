"""The job's own media: the uploads ``options.media`` lists, asked before any other source.

Ids are resolved only in the media folder of the job's owner (``StageMessage.owner``); a
message is untrusted, so the owner and every id are checked against their patterns and
the file must be a plain file inside that folder (``common.user_media``). An item that
has expired or been deleted since the job was accepted is skipped with a warning: its
segment gets footage from the other sources. A chosen file is hard-linked (or copied)
into the job's footage folder, so the job keeps it whatever happens to the upload.

``listed``: the items go to the segments in the order listed, one each; segments after
the last get other footage. ``relevance``: each segment gets the item whose description
(the job's for it, else the upload's) the job's matcher scores highest, at or above its
floor, preferring items not yet shown; where none clears the floor, the next item without
a description, in the order listed; failing that, the other sources.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from common.messages import StageMessage
from common.user_media import MediaFolders
from svc_footage.cache import link_or_copy
from svc_footage.relevance import Matcher, segment_said
from svc_footage.sources import FootageSource, Found, Slot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Medium:
    media_id: str
    file: Path
    description: str | None


def user_media_sources(job: StageMessage, data_dir: Path, matcher: Matcher) -> list[FootageSource]:
    """The job's own media as the first source, or nothing when it lists none."""
    if not job.options.media:
        return []
    source = UserMediaSource(
        _resolved(job, MediaFolders(data_dir)), job.options.media_order == "listed", matcher
    )
    # Its name is no provider a job or a setting may name, which FootageSource's type says
    # a source's is; nothing reads a source's name but a log line.
    return [cast(FootageSource, source)]


def _resolved(job: StageMessage, folders: MediaFolders) -> list[_Medium | None]:
    """Each listed item's file and description, in the order listed; None for one gone."""
    now = time.time()
    media: list[_Medium | None] = []
    for choice in job.options.media:
        try:
            item = folders.get(job.owner, choice.id, now)
            file = None if item is None else folders.file(job.owner, item)
        except ValueError as exc:  # an owner or a file that is not what it should be
            logger.warning("media %s cannot be used: %s", choice.id, exc)
            item, file = None, None
        if item is None or file is None or not file.is_file():
            logger.warning(
                "media %s is gone (expired or deleted); other footage instead", choice.id
            )
            media.append(None)
            continue
        description = choice.description if choice.description is not None else item.description
        media.append(_Medium(item.media_id, file, description))
    return media


class UserMediaSource:
    """The uploads a job lists, in the order listed or by relevance (see the module)."""

    # Not a provider a job or a setting may name: it is there only when a job lists media.
    name = "media"

    def __init__(self, media: list[_Medium | None], listed: bool, matcher: Matcher) -> None:
        self._media = media
        self._listed = listed
        self._matcher = matcher
        self._shown: set[int] = set()

    def fill(self, slot: Slot, *, reuse: bool) -> Found | None:
        chosen = self._listed_choice(slot) if self._listed else self._relevant_choice(slot, reuse)
        if chosen is None:
            return None
        index, score = chosen
        medium = self._media[index]
        assert medium is not None
        target = slot.stem.with_suffix(medium.file.suffix)
        link_or_copy(medium.file, target)
        self._shown.add(index)
        return Found(slot.segment.terms[0], f"media:{medium.media_id}", target, score)

    def _listed_choice(self, slot: Slot) -> tuple[int, float | None] | None:
        index = slot.index
        if index < len(self._media) and self._media[index] is not None:
            return index, None
        return None

    def _relevant_choice(self, slot: Slot, reuse: bool) -> tuple[int, float | None] | None:
        described = [
            (index, medium.description)
            for index, medium in enumerate(self._media)
            if medium is not None and medium.description is not None
        ]
        said = segment_said(slot.segment)
        scores = self._matcher.scores(said, [text for _, text in described]) if described else []
        relevant = [
            (score, index)
            for (index, _), score in zip(described, scores, strict=True)
            if score >= self._matcher.floor
        ]
        fresh = [(score, index) for score, index in relevant if index not in self._shown]
        candidates = fresh or (relevant if reuse else [])
        if candidates:
            # The highest score; of equals, the first listed.
            score, index = min(candidates, key=lambda pair: (-pair[0], pair[1]))
            return index, score
        for index, medium in enumerate(self._media):
            if medium is not None and medium.description is None and index not in self._shown:
                return index, None
        return None
