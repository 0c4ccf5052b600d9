// One job: its five stages filling in live from the job's events, the render's frame
// counter, cancel, the reason of a failure, the video playing while it renders (see
// stream.js), and the finished video with its downloads.

import { API, call, download, fileUrl, getJson, keyHeaders } from "./api.js";
import { followJob } from "./events.js";
import { canStream, playStream } from "./stream.js";

const STAGES = [
  ["tts", "Speech"],
  ["captions", "Captions"],
  ["queries", "Search terms"],
  ["footage", "Footage"],
  ["render", "Render"],
];
const TERMINAL = new Set(["completed", "failed"]);
const FAILED_AT = /^Failed at (\w+): (.*)$/s;
const FRAME_COUNTER = /\(frame (\d+) of (\d+)\)/;
const CANCELLED = "Cancelled";

export function showJob(main, signal, jobId) {
  const view = document.getElementById("job-template").content.firstElementChild.cloneNode(true);
  main.replaceChildren(view);
  const part = (selector) => view.querySelector(selector);
  part(".job-id").textContent = jobId;
  const timeline = part(".timeline");
  const rows = new Map();
  for (const [stage, label] of STAGES) {
    const row = document.createElement("li");
    row.dataset.stage = stage;
    row.dataset.state = "waiting";
    row.innerHTML = '<span class="dot" aria-hidden="true"></span><span class="name"></span><span class="state"></span><span class="detail"></span>';
    row.querySelector(".name").textContent = label;
    timeline.append(row);
    rows.set(stage, row);
  }
  const done = new Set();
  let finished = false;
  let video = null;
  let streaming = null; // the live stream's AbortController, while it plays
  signal.addEventListener("abort", () => video?.revoke());
  signal.addEventListener("abort", () => streaming?.abort());

  const stageDone = (stage, provider, seconds) => {
    const row = rows.get(stage);
    if (!row) return;
    done.add(stage);
    row.dataset.state = "done";
    const taken = Number(seconds);
    row.querySelector(".detail").textContent = `${provider}, ${taken.toFixed(taken < 1 ? 2 : 1)} s`;
  };

  const showState = (state) => {
    part(".job-message").textContent = state.message;
    part(".job-progress").value = state.progress;
    const failedAt = FAILED_AT.exec(state.message);
    const failedStage = state.status === "failed" ? state.error_stage || failedAt?.[1] : null;
    const running = state.status === "processing" ? STAGES.find(([stage]) => !done.has(stage))?.[0] : null;
    for (const [stage] of STAGES) {
      const row = rows.get(stage);
      if (done.has(stage)) continue;
      row.dataset.state = stateOf(stage, state.status, failedStage, running);
      const frames = stage === "render" && stage === running ? FRAME_COUNTER.exec(state.message) : null;
      row.querySelector(".detail").textContent = frames ? `frame ${frames[1]} of ${frames[2]}` : "";
      showFrames(row, frames);
    }
    for (const row of rows.values()) {
      row.querySelector(".state").textContent = row.dataset.state;
    }
    part(".cancel").hidden = TERMINAL.has(state.status);
    if (running === "render" && !streaming && !finished && canStream()) showStream();
    if (state.status === "failed") {
      // A cancelled or failed render's playlist never ends, and its part is no video.
      streaming?.abort();
      part(".result").hidden = true;
      showFailure(state.message, failedStage, failedAt);
    }
    if (state.status === "completed" && !finished) {
      finished = true;
      showVideo().catch((failure) => {
        part(".job-error").textContent = failure.message;
      });
    }
  };

  const showFailure = (message, stage, failedAt) => {
    const failure = part(".failure");
    failure.hidden = false;
    if (message === CANCELLED) {
      part(".failure-title").textContent = "Cancelled";
      part(".failure-reason").textContent = "The job was cancelled before it finished.";
    } else {
      const label = STAGES.find(([name]) => name === stage)?.[1] || stage || "an unknown stage";
      part(".failure-title").textContent = `Failed at ${label.toLowerCase()}`;
      part(".failure-reason").textContent = failedAt ? failedAt[2] : message;
    }
  };

  // The render's segments as they come, muted so the browser lets it start by itself.
  const showStream = () => {
    streaming = new AbortController();
    const player = part(".player");
    player.muted = true;
    part(".result").hidden = false;
    // Inline, as the stylesheet's display of .actions outranks the hidden attribute.
    part(".result .actions").style.display = "none";
    player.dataset.source = "stream";
    playStream(player, jobId, streaming.signal).catch((failure) => {
      if (!streaming?.signal.aborted) part(".job-error").textContent = failure.message;
    });
  };

  const showVideo = async () => {
    const id = encodeURIComponent(jobId);
    const player = part(".player");
    const position = streaming ? player.currentTime : 0;
    const playing = streaming !== null && !player.paused;
    streaming?.abort();
    part(".result").hidden = false;
    part(".result .actions").style.display = "";
    wireDownload(part(".download-video"), `/download/${id}`, `generated_video_${jobId}.mp4`);
    wireDownload(part(".download-srt"), `/jobs/${id}/captions.srt`, `captions_${jobId}.srt`);
    wireDownload(part(".download-vtt"), `/jobs/${id}/captions.vtt`, `captions_${jobId}.vtt`);
    video = await fileUrl(`/download/${id}`, { signal });
    player.src = video.url;
    player.dataset.source = "file";
    // From the stream to the file where the stream had got to, still playing if it was.
    if (position > 0) {
      player.addEventListener("loadedmetadata", () => { player.currentTime = position; }, { once: true });
    }
    if (playing) player.play().catch(() => {});
  };

  part(".cancel").addEventListener("click", async () => {
    const button = part(".cancel");
    button.disabled = true;
    part(".job-error").textContent = "";
    try {
      const answer = await (await call(`/jobs/${encodeURIComponent(jobId)}`, { method: "DELETE" })).json();
      showState({ ...answer, progress: part(".job-progress").value });
    } catch (failure) {
      part(".job-error").textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });

  follow(jobId, signal, stageDone, showState).catch((failure) => {
    if (!signal.aborted) part(".job-error").textContent = failure.message;
  });
}

/** A stage that has not finished: failed, running, waiting, or skipped by a job's end. */
function stateOf(stage, status, failedStage, running) {
  if (stage === failedStage) return "failed";
  if (stage === running) return "running";
  return TERMINAL.has(status) ? "skipped" : "waiting";
}

/** A bar under the render's frame counter; gone when there is no counter. */
function showFrames(row, frames) {
  let bar = row.querySelector(".frames");
  if (!frames) {
    bar?.remove();
    return;
  }
  if (!bar) {
    bar = document.createElement("progress");
    bar.className = "frames";
    bar.setAttribute("aria-label", "Frames rendered");
    row.append(bar);
  }
  bar.max = Number(frames[2]);
  bar.value = Number(frames[1]);
}

async function follow(jobId, signal, stageDone, showState) {
  const detail = await getJson(`/jobs/${encodeURIComponent(jobId)}`, { signal });
  for (const stage of detail.stages) stageDone(stage.stage, stage.provider, stage.seconds);
  showState(detail);
  if (TERMINAL.has(detail.status)) return;
  await followJob(
    jobId,
    (name, data) => {
      if (name === "stage") stageDone(data.stage, data.provider, data.seconds);
      showState(data);
    },
    signal,
  );
}

/** A link that downloads a file of the job: plainly, or fetched with the key. */
function wireDownload(link, path, filename) {
  link.href = `${API}${path}`;
  link.setAttribute("download", filename);
  link.addEventListener("click", (event) => {
    if (!keyHeaders()["X-API-Key"]) return; // the plain link works without a key
    event.preventDefault();
    download(path, filename).catch((failure) => {
      link.closest(".job").querySelector(".job-error").textContent = failure.message;
    });
  });
}
