"""Peak memory and time of the TTS stage on long texts of three kinds.

    python bench/tts_memory.py                      # 20,000 characters of each kind
    python bench/tts_memory.py --chars 5000 --kinds digits

Each kind runs the TTS stage in a fresh process: ordinary prose (bench/story.txt repeated),
a list of numbers separated by commas with no full stop, and the story's words with no
punctuation at all. Prints JSON with, per kind, the process's peak RSS (VmHWM), the seconds
the stage took and the seconds of narration it wrote. A run whose resident memory passes
--ceiling-mb is stopped (so a measurement cannot exhaust the machine) and reported as such.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STORY = (REPO / "bench" / "story.txt").read_text()
KINDS = ("prose", "digits", "unpunctuated")


def text_of(kind: str, chars: int) -> str:
    """``chars`` characters (to a word boundary) of ``kind``."""
    if kind == "prose":
        words = STORY.split()
    elif kind == "digits":
        # Numbers of one to seven digits, as a pasted column of figures reads.
        words = [f"{(n * 7919) % 10 ** (1 + n % 7)}," for n in range(1, chars)]
    else:
        words = re.sub(r"[^\w\s]", "", STORY).lower().split()
    text = ""
    while len(text) < chars:
        text += " ".join(words) + " "
    return text[:chars].rsplit(" ", 1)[0]


def run_stage(kind: str, chars: int, data_dir: Path) -> dict[str, float]:
    """In this process: the TTS stage speaks ``chars`` characters of ``kind``."""
    sys.path.insert(0, str(REPO))
    from common.artifacts import JobPaths
    from common.messages import StageMessage
    from svc_tts.settings import TtsSettings
    from svc_tts.stage import TtsStage

    stage = TtsStage(TtsSettings(data_dir=data_dir))
    job = StageMessage(job_id=f"bench-{kind}", text=text_of(kind, chars))
    paths = JobPaths(data_dir, job.job_id)
    began = time.perf_counter()
    stage.run(job, paths, lambda note: None)
    seconds = time.perf_counter() - began
    with wave.open(str(paths.audio)) as wav:
        narration = wav.getnframes() / wav.getframerate()
    return {
        "peak_rss_mb": round(_status_mb("VmHWM", "self"), 1),
        "seconds": round(seconds, 1),
        "narration_seconds": round(narration, 1),
    }


def measure(kind: str, chars: int, ceiling_mb: float) -> dict[str, object]:
    """Run :func:`run_stage` in a fresh process, stopping it past ``ceiling_mb``."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, __file__, "--child", kind, "--chars", str(chars)]
        # The stage's own cap on narration length would stop the long texts early.
        environment = {**os.environ, "T2V_DATA_DIR": scratch, "T2V_MAX_VIDEO_SECONDS": "1e9"}
        began = time.perf_counter()
        # A file, not a pipe, takes the child's errors: a full pipe would stall the child.
        errors = Path(scratch) / "stderr.txt"
        with errors.open("w") as error_file:
            child = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=error_file, env=environment, text=True
            )
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, _status_mb("VmRSS", str(child.pid)))
            if peak > ceiling_mb:
                child.kill()
                child.wait()
                return {
                    "stopped": f"resident memory passed {ceiling_mb:g} MB",
                    "peak_rss_mb": round(peak, 1),
                    "seconds": round(time.perf_counter() - began, 1),
                }
            time.sleep(0.05)
        output = child.communicate()[0]
        if child.returncode != 0:
            last_line = errors.read_text().strip().splitlines()[-1:] or [""]
            return {
                "failed": f"exit status {child.returncode}: {last_line[0][:300]}",
                "peak_rss_mb": round(peak, 1),
            }
        result: dict[str, object] = json.loads(output)
        return result


def _status_mb(field: str, pid: str) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0  # the process has just ended
    line = next((line for line in status.splitlines() if line.startswith(field)), None)
    return int(line.split()[1]) / 1024 if line else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=20000)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--ceiling-mb", type=float, default=4000)
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        data_dir = Path(os.environ["T2V_DATA_DIR"])
        print(json.dumps(run_stage(args.child, args.chars, data_dir)))
        return
    results = {kind: measure(kind, args.chars, args.ceiling_mb) for kind in args.kinds}
    print(json.dumps({"chars": args.chars, "tree": str(REPO), **results}, indent=2))


if __name__ == "__main__":
    main()
