"""The studio as a user drives it: make a video, follow it, watch it, cancel, fail, history,
an API key, a phone's screen and the keyboard; each against the real running service."""

import re
from pathlib import Path

import requests
from playwright.sync_api import Browser, Page, expect

from common.artifacts import JobPaths, write_bytes_atomic
from common.narration import spoken_seconds
from svc_footage.generated import write_description
from svc_render.background import FootageSpan
from svc_render.narration import read_narration
from svc_render.render import PartStream, ProgressNotes, VideoFormat, frame_count_of, render_frames
from tests.browser.conftest import SMALL_OPTIONS, STUDIO_KEY, screenshot
from tests.local_service import Stack
from tests.media_checks import probe

STORY = "A small boat sailed across the bay. Seagulls followed it home."
LONG_STORY = " ".join(
    [
        "The lighthouse keeper climbed the stairs before the storm arrived.",
        "He lit the lamp and watched the waves grow tall against the rocks.",
        "Ships far out at sea turned toward the light and found the harbour.",
        "By morning the wind had gone and the gulls were back on the pier.",
    ]
    * 2
)
UNSPEAKABLE = "🙂🎉 !!!"
# Long enough to follow in the page, quick to render.
SMALL_FRAME = {"width": "224", "height": "128", "fps": "12"}
JOB_URL = re.compile(r"#/jobs/([0-9a-f-]{36})$")
# The render reports its frame counter every 2 s: rendering the long story this way takes
# far longer, even on a fast machine (some 1,700 frames of 1080x1920).
FULL_FRAME = {"width": "1080", "height": "1920", "fps": "60"}
HISTORY_PAGE = 12  # jobs a page, as gateway/studio/history.js asks for them
PHONE = (390, 844)
# A pipeline's patience, in milliseconds: the first job also warms the models up.
JOB_TIMEOUT_MS = 120_000


def _small_frame(page: Page, frame: dict[str, str] = SMALL_FRAME) -> None:
    page.get_by_text("Frame size and rate").click()
    for name, label in (("width", "Width"), ("height", "Height"), ("fps", "Frames per second")):
        page.get_by_label(label).fill(frame[name])


def _job_id(page: Page) -> str:
    expect(page).to_have_url(JOB_URL)
    match = JOB_URL.search(page.url)
    assert match is not None
    return match.group(1)


def _start(page: Page, text: str, frame: dict[str, str] = SMALL_FRAME) -> str:
    """Write ``text``, choose a frame, press Start: the new job's id, once its view shows."""
    page.get_by_label("Story").fill(text)
    _small_frame(page, frame)
    page.get_by_role("button", name="Start").click()
    return _job_id(page)


def test_a_video_made_in_the_page_is_followed_to_the_end_and_plays(
    page: Page, studio: str, stack: Stack, shots: Path
) -> None:
    # Given the studio, its voices listed
    page.goto(f"{studio}/")
    expect(page.get_by_label("Voice")).to_contain_text("joe-medium")

    # When the user writes a story and chooses how the video looks
    page.get_by_label("Story").fill(STORY)
    expect(page.get_by_text("11 words, about")).to_be_visible()
    page.get_by_label("Voice").select_option("piper:joe-medium")
    page.get_by_role("radio", name=re.compile("Landscape")).check()
    page.get_by_label("Highlight colour").fill("#ff4060")
    page.get_by_label("A box behind the text").check()
    page.get_by_label("Position").select_option("middle")
    page.get_by_label("Footage from").select_option("generated")
    _small_frame(page)
    screenshot(page, shots, "create")
    page.get_by_role("button", name="Start").click()

    # Then the page follows the job to its end, every stage done with who did it
    job_id = _job_id(page)
    done = page.locator('.timeline li[data-state="done"]')
    expect(done).to_have_count(5, timeout=JOB_TIMEOUT_MS)
    expect(page.locator('.timeline li[data-stage="tts"] .detail')).to_contain_text(
        re.compile(r"piper \(joe-medium\), \d+\.\d+ s")
    )
    expect(page.locator('.timeline li[data-stage="footage"] .detail')).to_contain_text("generated")
    expect(page.get_by_role("status")).to_have_text("Video generation completed")

    # And the video plays inline: its clock moves
    video = page.locator("video.player")
    expect(video).to_be_visible()
    assert page.evaluate(
        "() => document.querySelector('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')"
    )
    page.wait_for_function("() => document.querySelector('video.player').readyState >= 1")
    assert page.evaluate("() => document.querySelector('video.player').duration") > 1
    page.evaluate("() => document.querySelector('video.player').play()")
    page.wait_for_function("() => document.querySelector('video.player').currentTime > 0.3")
    screenshot(page, shots, "job-done")

    # And the downloads are the job's video and captions
    api = f"{studio}/api/v1"
    expect(page.get_by_role("link", name="Download MP4")).to_have_attribute(
        "href", f"/api/v1/download/{job_id}"
    )
    expect(page.get_by_role("link", name="Captions (SRT)")).to_have_attribute(
        "href", f"/api/v1/jobs/{job_id}/captions.srt"
    )
    expect(page.get_by_role("link", name="Captions (WebVTT)")).to_have_attribute(
        "href", f"/api/v1/jobs/{job_id}/captions.vtt"
    )
    with page.expect_download() as srt:
        page.get_by_role("link", name="Captions (SRT)").click()
    assert srt.value.suggested_filename == f"captions_{job_id}.srt"
    assert "Seagulls" in Path(srt.value.path()).read_text()

    # And the options chosen in the page reached the render
    downloaded = stack.log_dir / f"{job_id}.mp4"
    downloaded.write_bytes(requests.get(f"{api}/download/{job_id}", timeout=10).content)
    facts = probe(downloaded)
    assert (facts.width, facts.height) == (224, 128)


def test_a_running_render_is_cancelled_from_the_page(page: Page, studio: str, shots: Path) -> None:
    # Given a longer story at full size, whose render takes some seconds
    page.goto(f"{studio}/#/new")
    job_id = _start(page, LONG_STORY, FULL_FRAME)

    # When the render's frame counter shows and the user presses Cancel
    render = page.locator('.timeline li[data-stage="render"]')
    expect(render.locator(".detail")).to_contain_text(
        re.compile(r"^frame \d+ of \d+$"), timeout=JOB_TIMEOUT_MS
    )
    expect(render).to_have_attribute("data-state", "running")
    expect(page.locator('.timeline li[data-state="done"]')).to_have_count(4)
    screenshot(page, shots, "job-running")
    page.get_by_role("button", name="Cancel").click()

    # Then the view says it was cancelled, and so does the API
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    expect(render).to_have_attribute("data-state", "skipped")
    status = requests.get(f"{studio}/api/v1/status/{job_id}", timeout=5).json()
    assert (status["status"], status["message"]) == ("failed", "Cancelled")


def test_a_failed_job_shows_its_stage_and_reason(page: Page, studio: str, shots: Path) -> None:
    # Given the studio
    page.goto(f"{studio}/#/new")

    # When the user starts a story with nothing in it a voice can speak
    _start(page, UNSPEAKABLE)

    # Then the view names the stage that failed and why, in plain words
    expect(page.get_by_role("heading", name="Failed at speech")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator(".failure-reason")).to_have_text(
        "the text has nothing the voice can speak (no letters or digits)"
    )
    expect(page.locator('.timeline li[data-stage="tts"]')).to_have_attribute("data-state", "failed")
    expect(page.locator('.timeline li[data-state="skipped"]')).to_have_count(4)
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    screenshot(page, shots, "job-failed")


def test_the_history_pages_through_the_jobs_newest_first(
    page: Page, studio: str, finished_job: str, shots: Path
) -> None:
    # Given a finished video, then more jobs than one page holds (cancelled at once)
    api = f"{studio}/api/v1"
    newer = []
    for number in range(HISTORY_PAGE + 1):
        answer = requests.post(f"{api}/generate", json={"text": f"Story {number}."}, timeout=10)
        newer.append(answer.json()["job_id"])
        requests.delete(f"{api}/jobs/{newer[-1]}", timeout=10)

    # When the user opens the history
    page.goto(f"{studio}/#/history")

    # Then a page of jobs shows, the newest first, each with its status and age
    items = page.locator(".job-item")
    expect(items).to_have_count(HISTORY_PAGE)
    expect(items.first).to_have_attribute("data-job-id", newer[-1])
    expect(items.first.locator(".badge")).to_have_text("failed")
    expect(items.first.locator(".message")).to_have_text("Cancelled")
    expect(items.first.locator(".age")).to_have_text("just now")

    # And older ones follow on demand, the finished video with its poster
    page.get_by_role("button", name="Show older videos").click()
    finished = page.locator(f'.job-item[data-job-id="{finished_job}"]')
    expect(finished.locator(".badge")).to_have_text("completed")
    expect(finished.locator(".length")).to_have_text(re.compile(r"^\d+ s long$"))
    poster = finished.locator(".poster img")
    expect(poster).to_be_visible()
    page.wait_for_function(
        "(image) => image.complete && image.naturalWidth > 0", arg=poster.element_handle()
    )
    screenshot(page, shots, "history")

    # And a job opens from its entry
    finished.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"#/jobs/{finished_job}$"))
    expect(page.locator("video.player")).to_be_visible()


def test_with_keys_on_the_page_asks_for_a_key_and_works_with_it(
    page: Page, keyed_studio: str, shots: Path
) -> None:
    # Given a gateway with API keys on, and a browser that has no key yet
    page.goto(f"{keyed_studio}/")

    # Then the page asks for a key, with the API's answer
    dialog = page.get_by_role("dialog", name="API key")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_have_text("Missing or invalid API key")
    screenshot(page, shots, "key-prompt", full_page=False)

    # When a wrong key is given, the API's error shows and the page asks again
    with page.expect_response(lambda response: response.status == 401):
        dialog.get_by_label("Your API key").fill("not-the-key")
        dialog.get_by_role("button", name="Use this key").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_have_text("Missing or invalid API key")
    expect(dialog.get_by_label("Your API key")).to_have_value("")

    # When the right key is given, the page gets in and keeps the key
    dialog.get_by_label("Your API key").fill(STUDIO_KEY)
    dialog.get_by_role("button", name="Use this key").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Voice")).to_contain_text("joe-medium")
    assert page.evaluate("() => localStorage.getItem('t2v.apiKey')") == STUDIO_KEY

    # And a video made with the key is followed and plays, fetched with the key
    job_id = _start(page, STORY)
    expect(page.locator('.timeline li[data-state="done"]')).to_have_count(5, timeout=JOB_TIMEOUT_MS)
    video = page.locator("video.player")
    expect(video).to_have_attribute("src", re.compile("^blob:"))
    page.evaluate("() => document.querySelector('video.player').play()")
    page.wait_for_function("() => document.querySelector('video.player').currentTime > 0.3")

    # And the history lists the key's jobs, the key asked for no more
    page.get_by_role("link", name="History").click()
    entry = page.locator(f'.job-item[data-job-id="{job_id}"]')
    expect(entry.locator(".badge")).to_have_text("completed")
    expect(entry.locator(".poster img")).to_have_attribute("src", re.compile("^blob:"))
    expect(page.locator(".job-item")).to_have_count(1)
    expect(dialog).to_be_hidden()

    # And once the key is forgotten, the page asks for one again
    page.get_by_role("button", name="Forget API key").click()
    expect(dialog).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('t2v.apiKey')") is None


def test_on_a_phone_the_form_fits_the_screen(
    browser: Browser, studio: str, finished_job: str, shots: Path
) -> None:
    # Given a phone-sized screen
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
    try:
        page = context.new_page()

        # When the studio opens
        page.goto(f"{studio}/")
        expect(page.get_by_label("Voice")).to_contain_text("joe-medium")

        # Then nothing runs off the side, and the start button is within reach
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE[0]
        start = page.get_by_role("button", name="Start")
        start.scroll_into_view_if_needed()
        box = start.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
        expect(page.locator("#frame")).to_be_visible()
        screenshot(page, shots, "phone")

        # And the history fits too
        page.get_by_role("link", name="History").click()
        expect(page.locator(".job-item").first).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE[0]
        screenshot(page, shots, "phone-history")
    finally:
        context.close()


def test_the_keyboard_reaches_every_labelled_control_and_starts_a_job(
    page: Page, studio: str
) -> None:
    # Given the studio, where every control has a label and every button a name
    page.goto(f"{studio}/")
    expect(page.get_by_label("Voice")).to_contain_text("joe-medium")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter((control) => !control.labels?.length && !control.getAttribute('aria-label')
                && !(control.tagName === 'BUTTON' && control.textContent.trim()))
            .map((control) => control.outerHTML)"""
    )
    assert unlabelled == []
    _small_frame(page)

    # When the user tabs to the story, types it, and tabs on to Start and presses Enter
    focused = _tab_to(page, "text")
    page.keyboard.type(STORY)
    focused = _tab_to(page, "start")
    assert focused["outline"] != "none"

    page.keyboard.press("Enter")

    # Then the job starts and its view opens
    job_id = _job_id(page)
    requests.delete(f"{studio}/api/v1/jobs/{job_id}", timeout=10)


def _tab_to(page: Page, element_id: str) -> dict[str, str]:
    """Press Tab until the element with ``element_id`` has the focus; its id and outline."""
    for _ in range(60):
        page.keyboard.press("Tab")
        focused: dict[str, str] = page.evaluate(
            """() => ({id: document.activeElement.id,
                       outline: getComputedStyle(document.activeElement).outlineStyle})"""
        )
        if focused["id"] == element_id:
            return focused
    raise AssertionError(f"Tab never reached #{element_id}")


def test_the_api_docs_work_offline(browser: Browser, studio: str) -> None:
    # Given a browser that can reach nothing but this server
    context = browser.new_context()
    elsewhere: list[str] = []
    context.route(
        re.compile(r"^(?!" + re.escape(studio) + ")"),
        lambda route: (elsewhere.append(route.request.url), route.abort()),
    )
    try:
        page = context.new_page()

        # When Swagger UI opens, it shows the API's operations
        page.goto(f"{studio}/docs")
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/generate")).to_be_visible()

        # And so does ReDoc (its "by Redocly" logo, from their CDN, is blocked by the policy)
        page.goto(f"{studio}/redoc")
        expect(page.get_by_text("/api/v1/generate").first).to_be_attached()
    finally:
        context.close()

    # And neither tried to load anything from another site
    assert elsewhere == []


def test_the_page_estimates_a_video_s_length_as_the_gateway_does(page: Page, studio: str) -> None:
    # Given texts of words, numbers, several scripts, at several speaking rates
    texts = [
        STORY,
        "In 1969, 3 men flew 384400 km; 12345678901234567890 is read digit by digit.",
        "東京は大きい都市です。 서울도 크다. Mixed with English words.",
        "नमस्ते दुनिया, یہ ایک جملہ ہے",
        "  \n\t  ",
    ]
    page.goto(f"{studio}/")
    for text in texts:
        for rate in (0.5, 1.0, 1.7):
            # When the page estimates the narration's length
            estimate = page.evaluate(
                """async ([text, rate]) =>
                    (await import("/studio/estimate.js")).spokenSeconds(text, rate)""",
                [text, rate],
            )

            # Then it is the gateway's own estimate
            assert abs(estimate - spoken_seconds(text, rate)) < 1e-9, (text, rate)


def test_the_api_s_refusal_shows_as_written(page: Page, studio: str) -> None:
    # Given the studio
    page.goto(f"{studio}/")

    # When the user asks for a frame width the API does not allow
    page.get_by_label("Story").fill(STORY)
    _small_frame(page, {**SMALL_FRAME, "width": "65"})
    page.get_by_role("button", name="Start").click()

    # Then the page shows the API's error, and stays on the form
    expect(page.locator("#create-error")).to_have_text(re.compile(r"^Invalid options: width: "))
    expect(page.get_by_role("button", name="Start")).to_be_enabled()
    assert "#/jobs/" not in page.url


def test_the_video_plays_while_it_renders_then_from_the_finished_file(
    page: Page, studio: str, shots: Path
) -> None:
    # Given a job long enough, at a frame large enough, that its render takes seconds
    page.goto(f"{studio}/")
    expect(page.get_by_label("Voice")).to_contain_text("joe-medium")
    _start(page, LONG_STORY, {"width": "540", "height": "960", "fps": "30"})

    # When the render has listed its first segments, Then the player plays them, its clock
    # moving while it still plays the stream (the player takes the file once the job completes)
    page.wait_for_function(
        "() => { const v = document.querySelector('video.player');"
        " return v.dataset.source === 'stream' && v.currentTime > 0.5; }",
        timeout=JOB_TIMEOUT_MS,
    )
    expect(page.locator(".download-video")).to_be_hidden()
    screenshot(page, shots, "job-streaming")

    # And once the job completes the player holds the finished file, with its downloads
    expect(page.get_by_role("status")).to_have_text(
        "Video generation completed", timeout=JOB_TIMEOUT_MS
    )
    page.wait_for_function("() => document.querySelector('video.player').dataset.source === 'file'")
    expect(page.locator(".download-video")).to_be_visible()


def test_a_stream_in_parts_plays_as_one_video(
    page: Page, studio: str, stack: Stack, finished_job: str
) -> None:
    # Given a finished job whose stream is one in two parts, as a render in shards writes it
    paths = JobPaths(stack.settings.data_dir, finished_job)
    narration = read_narration(paths.audio)
    frame_count = frame_count_of(narration, SMALL_OPTIONS["fps"])
    video_format = VideoFormat(width=224, height=128, fps=12, preset="ultrafast", crf=30)
    background = paths.work_dir / "background.json"
    write_description(background, seed=3)
    footage = [FootageSpan(start=0.0, end=narration.duration, file=background)]
    paths.stream.clear()
    write_bytes_atomic(paths.stream.parts_count, b"2")
    half = frame_count // 2
    for index, frames in enumerate((range(half), range(half, frame_count))):
        render_frames(
            paths.work_dir / f"shard_{index}.mp4",
            frames,
            [],
            footage,
            video_format,
            ProgressNotes(lambda note: None, frame_count),
            stream=PartStream(paths.stream.part(index), narration),
        )

    # When the studio's player plays the job's stream to its end
    page.goto(f"{studio}/")
    buffered = page.evaluate(
        """async (jobId) => {
            const { playStream } = await import("/studio/stream.js");
            const video = document.createElement("video");
            video.muted = true;
            document.body.append(video);
            await playStream(video, jobId, new AbortController().signal);
            const ranges = video.buffered;
            return [ranges.length, ranges.start(0), ranges.end(ranges.length - 1)];
        }""",
        finished_job,
    )

    # Then the second part follows the first: one stretch, as long as the video
    count, start, end = buffered
    assert count == 1, buffered
    assert start < 0.1
    assert abs(end - frame_count / SMALL_OPTIONS["fps"]) < 0.2, buffered
