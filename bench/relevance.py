"""Whether the footage on screen shows what the narration is saying, per footage matcher.

    python bench/relevance.py [--matchers names,words,meaning] [--width 144 --height 256 --fps 10]
                              [--repeats 1] [--keep DIR]

A story whose sentences are labelled with their scene (a harbour at dawn, fish, a market,
gulls, shells, a storm, a lighthouse) runs through the whole pipeline in process
(``run_pipeline``), with a library folder of clips named as a person would name them:
clips of the story's scenes and unrelated ones ("desert highway at noon"), two of them
named by the camera and described by a sidecar text. Each clip is one flat colour of its
own, so the rendered MP4 tells which clip was on screen at each frame: the colour of the
picture's upper corners, which captions never cover, is mapped back to the nearest clip's
(a crossfade counts for the clip it brings on; a picture that is not flat, or matches no
clip, is a generated background). The captions' word timings tell which sentence, hence
which scene, is being said at each frame (a pause belongs to the sentence before it).

Prints JSON with, for each matcher (``T2V_FOOTAGE_MATCHER``): the share of the narration
showing a clip of the scene being said (``on_topic_share``), the scenes that got one of
their clips on screen while being said (``scenes_shown``, of the story's), the share
showing a clip of no scene or of another scene (``unrelated_share``), the share showing a
generated background, the clips each scene showed, and the targets (no unrelated clip on
screen; at least 90% of the narration on topic). A matcher this installation does not
have is reported as not run, with the reason. The choices are the same on every run (the
search terms, the matching); the voice's timing varies a little, which moves the shares by
about a percent, so one run per matcher is enough; ``--repeats N`` adds the medians of N.
"""

import argparse
import colorsys
import json
import re
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.e2e import environment  # noqa: E402
from cli.pipeline import run_pipeline  # noqa: E402
from common.artifacts import JobPaths  # noqa: E402
from common.documents import Captions, FootageManifest, load_document  # noqa: E402
from common.messages import JobOptions  # noqa: E402

# The story, one sentence at a time, each with the scene it describes.
STORY: tuple[tuple[str, str], ...] = (
    ("harbour", "At dawn, the fishing boats came slowly back into the harbour."),
    ("fish", "The men unloaded baskets of silver fish onto the old stone pier."),
    ("market", "By noon, the market square was full of voices."),
    ("market", "Traders called out their prices from behind wooden stalls piled with bread."),
    ("gulls", "Down on the beach, the children spent the afternoon chasing gulls along the water."),
    ("shells", "Their little sister was collecting shells in a red bucket."),
    ("storm", "Later, dark clouds rolled in from the sea, and the wind began to howl."),
    ("storm", "Heavy rain drummed on the roofs, and everyone ran for shelter."),
    ("lighthouse", "By evening the sky had cleared, and the lighthouse on the cliff was lit."),
    ("lighthouse", "Its beam swept slowly over the dark water until morning."),
)  # fmt: skip

# The library folder: each file's scene, or None for a clip the story never mentions.
CLIPS: dict[str, str | None] = {
    "fishing boats in the harbour.mp4": "harbour",
    "baskets of fresh fish.mp4": "fish",
    "market square crowd.mp4": "market",
    "bread stall at a street market.mp4": "market",
    "seagulls flying over the shore.mp4": "gulls",
    "seashells on wet sand.mp4": "shells",
    "storm clouds over the sea.mp4": "storm",
    "IMG_2041.mp4": "storm",
    "lighthouse at night.mp4": "lighthouse",
    "desert highway at noon.mp4": None,
    "snowy mountain pass.mp4": None,
    "city traffic at night.mp4": None,
    "children playing football in a park.mp4": None,
    "office workers at their desks.mp4": None,
    "autumn leaves in a forest.mp4": None,
    "DSC_0193.mp4": None,
    "horses grazing in a field.mp4": None,
    "close up of a coffee cup.mp4": None,
}
# What the files named by the camera show, in their sidecar texts.
SIDECARS = {
    "IMG_2041.mp4": "Heavy rain falling on rooftops during a thunderstorm",
    "DSC_0193.mp4": "Skyscrapers in a business district, seen from a rooftop at noon",
}
MATCHERS = ("names", "words", "meaning")
CLIP_SIZE = (160, 90)
CLIP_SECONDS = 3
CLIP_FPS = 10

# Where the picture's colour is read, as (height, width) fractions: its top corners and
# the sides of its upper third, which captions (the lower third, inside side margins)
# never cover. Four points apart, so a generated background (gradients and blobs) is
# never flat across them.
SAMPLE_POINTS = ((0.04, 0.04), (0.04, 0.96), (0.3, 0.04), (0.3, 0.96))
SAMPLE_RADIUS = 2  # pixels around each point, averaged
# RGB distances: samples closer than FLAT apart are one flat colour; a colour closer than
# MATCH to a clip's (or to a blend of two clips', in a crossfade) is that clip's. The
# palette's colours lie much further apart than either (see clip_colours).
FLAT = 12.0
MATCH = 12.0


def clip_colours(count: int) -> list[tuple[int, int, int]]:
    """``count`` flat colours far apart: hues around the wheel, in two brightnesses."""
    colours = []
    for index in range(count):
        hue = (index // 2) / ((count + 1) // 2) + (0.5 / count if index % 2 else 0.0)
        value = 0.9 if index % 2 == 0 else 0.5
        red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, value)
        colours.append((round(red * 255), round(green * 255), round(blue * 255)))
    return colours


def write_library(folder: Path) -> dict[str, tuple[int, int, int]]:
    """The clips (short H.264, one flat colour each) and sidecars; returns each clip's colour."""
    folder.mkdir(parents=True, exist_ok=True)
    colours = dict(zip(CLIPS, clip_colours(len(CLIPS)), strict=True))
    width, height = CLIP_SIZE
    for name, colour in colours.items():
        with av.open(str(folder / name), "w") as container:
            stream = container.add_stream("libx264", rate=CLIP_FPS, options={"crf": "10"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            picture = np.full((height, width, 3), colour, dtype=np.uint8)
            for index in range(CLIP_SECONDS * CLIP_FPS):
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts = index
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    for name, text in SIDECARS.items():
        (folder / name).with_suffix(".txt").write_text(text + "\n")
    return colours


def matcher_missing(matcher: str) -> str | None:
    """Why this installation cannot run the matcher, or None if it can."""
    from common.errors import ModelUnavailable
    from svc_footage.settings import FootageSettings

    try:
        from svc_footage.relevance import matcher_from
    except ImportError as exc:
        return f"svc_footage.relevance is not there yet ({exc})"
    try:
        settings = FootageSettings.model_validate({"footage_matcher": matcher})
    except ValueError:
        return f"T2V_FOOTAGE_MATCHER={matcher} is not a matcher this installation knows"
    try:
        chosen = matcher_from(settings)
    except ModelUnavailable as exc:
        return str(exc)
    if chosen.name != matcher:
        return f"asked for {matcher}, the settings chose {chosen.name}"
    return None


def sentence_of_words(captions: Captions, sentences: Sequence[str]) -> list[int]:
    """The index of the sentence each caption word belongs to, by the words' order."""
    story_words = [
        (number, word)
        for number, sentence in enumerate(sentences)
        for word in _plain_words(sentence)
    ]
    heard = [_plain_words(word.text) for word in captions.words]
    if len(heard) == len(story_words):
        return [number for number, _ in story_words]
    # The voice split or joined some words: follow the story, a word at a time.
    owners, position = [], 0
    for pieces in heard:
        for offset in range(position, min(position + 4, len(story_words))):
            if pieces and story_words[offset][1] == pieces[0]:
                position = offset
                break
        owners.append(story_words[min(position, len(story_words) - 1)][0])
        position += max(1, len(pieces))
    return owners


def _plain_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def sentence_at(seconds: float, words: list[tuple[float, int]]) -> int:
    """The sentence being said at ``seconds``: that of the last word begun (else the first)."""
    current = words[0][1]
    for start, sentence in words:
        if start > seconds:
            break
        current = sentence
    return current


def clips_on_screen(picture: np.ndarray, colours: np.ndarray) -> tuple[int, ...]:
    """The clips whose colours the picture shows: one clip, two in a crossfade (the nearer
    first), or none (a generated background, which is not flat)."""
    height, width = picture.shape[:2]
    samples = []
    for row_share, column_share in SAMPLE_POINTS:
        row = min(height - 1 - SAMPLE_RADIUS, max(SAMPLE_RADIUS, round(row_share * height)))
        column = min(width - 1 - SAMPLE_RADIUS, max(SAMPLE_RADIUS, round(column_share * width)))
        patch = picture[
            row - SAMPLE_RADIUS : row + SAMPLE_RADIUS + 1,
            column - SAMPLE_RADIUS : column + SAMPLE_RADIUS + 1,
        ]
        samples.append(patch.reshape(-1, 3).astype(np.float64).mean(axis=0))
    spread = max(float(np.linalg.norm(a - b)) for a in samples for b in samples)
    if spread > FLAT:
        return ()
    colour = np.mean(samples, axis=0)
    distances = np.linalg.norm(colours - colour, axis=1)
    nearest = int(distances.argmin())
    if distances[nearest] <= MATCH:
        return (nearest,)
    # A crossfade: a colour on the line between two clips' colours.
    best: tuple[float, int, int] | None = None
    for first in range(len(colours)):
        for second in range(first + 1, len(colours)):
            line = colours[second] - colours[first]
            share = float(np.clip(np.dot(colour - colours[first], line) / np.dot(line, line), 0, 1))
            off = float(np.linalg.norm(colours[first] + share * line - colour))
            if off <= MATCH and (best is None or off < best[0]):
                best = (off, second, first) if share >= 0.5 else (off, first, second)
    return () if best is None else best[1:]


def counted_clips(seen: list[tuple[int, ...]]) -> list[int | None]:
    """The clip each frame counts for (None: a generated background), from what it shows.

    A crossfade counts for the clip it brings on, since the render starts a clip's fade-in
    as its segment starts; and the frame before any change on screen belongs to what comes
    next, as the render's crossfade begins at weight 0, showing only what is leaving.
    """
    counted: list[int | None] = []
    alone: int | None = None  # the last clip seen on screen by itself
    for clips in seen:
        if len(clips) == 2 and alone in clips:
            counted.append(clips[1] if clips[0] == alone else clips[0])
        else:
            counted.append(clips[0] if clips else None)
        if len(clips) == 1:
            alone = clips[0]
    for index in range(1, len(seen)):
        if frozenset(seen[index]) != frozenset(seen[index - 1]):
            counted[index - 1] = counted[index]
    return counted


def measure(
    paths: JobPaths, colours: dict[str, tuple[int, int, int]], fps: int
) -> dict[str, object]:
    """What the rendered video showed while each sentence was said."""
    names = list(colours)
    palette = np.array([colours[name] for name in names], dtype=np.float64)
    sentences = [sentence for _, sentence in STORY]
    scenes = [scene for scene, _ in STORY]
    captions = load_document(Captions, paths.captions)
    owners = sentence_of_words(captions, sentences)
    words = [(word.start, owner) for word, owner in zip(captions.words, owners, strict=True)]
    heard: list[str] = []  # the scene being said at each frame
    seen: list[tuple[int, ...]] = []  # the clips on screen at each frame (none: generated)
    with av.open(str(paths.video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            seconds = index / fps
            if seconds >= captions.duration:
                break
            heard.append(scenes[sentence_at(seconds, words)])
            seen.append(clips_on_screen(frame.to_ndarray(format="rgb24"), palette))
    frames: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for scene, clip in zip(heard, counted_clips(seen), strict=True):
        if clip is None:
            kind, label = "generated", "(generated)"
        else:
            label = names[clip]
            kind = "on_topic" if CLIPS[label] == scene else "unrelated"
        frames[kind] += 1
        shown[scene][label] += 1
    total = sum(frames.values())
    story_scenes = list(dict.fromkeys(scenes))
    scenes_shown = [
        scene for scene in story_scenes if any(CLIPS.get(label) == scene for label in shown[scene])
    ]
    on_topic, unrelated = frames["on_topic"] / total, frames["unrelated"] / total
    manifest = load_document(FootageManifest, paths.footage_manifest)
    return {
        "on_topic_share": round(on_topic, 3),
        "unrelated_share": round(unrelated, 3),
        "generated_share": round(frames["generated"] / total, 3),
        "scenes_shown": len(scenes_shown),
        "scenes": len(story_scenes),
        "targets": {"no_unrelated_clip": unrelated == 0, "on_topic_at_least_90%": on_topic >= 0.9},
        # Per scene, the seconds each clip (or a generated background) was on screen.
        "per_scene": {
            scene: {label: round(count / fps, 1) for label, count in shown[scene].most_common()}
            for scene in story_scenes
        },
        # What the footage stage chose for each segment, and why.
        "segments": [
            {
                "seconds": f"{clip.start:.1f}-{clip.end:.1f}",
                "source": clip.source.removeprefix("library:"),
                "term": clip.term,
                "score": getattr(clip, "score", None),
            }
            for clip in manifest.clips
        ],
        "narration_seconds": round(captions.duration, 2),
        "frames": total,
    }


def bench_matcher(
    matcher: str,
    library: Path,
    colours: dict[str, tuple[int, int, int]],
    options: JobOptions,
    data_dir: Path,
) -> dict[str, object]:
    text = " ".join(sentence for _, sentence in STORY)
    settings = {
        "T2V_FOOTAGE_PROVIDERS": "library,generated",
        "T2V_FOOTAGE_DIR": str(library),
        "T2V_FOOTAGE_MATCHER": matcher,
    }
    with environment(settings):
        paths = run_pipeline(text, options, data_dir, lambda info, note: None)
    return measure(paths, colours, options.fps)


def medians(runs: list[dict[str, object]]) -> dict[str, float]:
    """The median of each figure over the runs."""
    figures = ("on_topic_share", "unrelated_share", "generated_share", "scenes_shown")
    return {
        figure: round(statistics.median(float(run[figure]) for run in runs), 3)  # type: ignore[arg-type]
        for figure in figures
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--matchers", default=",".join(MATCHERS))
    parser.add_argument("--width", type=int, default=144)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="leave the library and the jobs in DIR")
    args = parser.parse_args()
    options = JobOptions(width=args.width, height=args.height, fps=args.fps)
    report: dict[str, object] = {
        "sentences": len(STORY),
        "clips": len(CLIPS),
        "unrelated_clips": sum(scene is None for scene in CLIPS.values()),
        "size": f"{args.width}x{args.height}@{args.fps}",
    }
    with tempfile.TemporaryDirectory(prefix="t2v-relevance-") as scratch:
        folder = args.keep or Path(scratch)
        colours = write_library(folder / "library")
        for matcher in args.matchers.split(","):
            missing = matcher_missing(matcher)
            if missing is not None:
                report[matcher] = {"not_run": missing}
                continue
            runs = []
            for number in range(args.repeats):
                jobs = folder / f"jobs-{matcher}-{number}"
                runs.append(bench_matcher(matcher, folder / "library", colours, options, jobs))
                print(matcher, json.dumps(runs[-1]), file=sys.stderr)  # kept if one fails
            report[matcher] = runs[0] if len(runs) == 1 else {**runs[0], "medians": medians(runs)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
