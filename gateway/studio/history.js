// The caller's jobs, newest first, a page at a time (GET /jobs with limit and cursor):
// poster, status, message and age; open or cancel each.

import { call, fileUrl, getJson } from "./api.js";
import { formatSeconds } from "./estimate.js";

const PAGE_SIZE = 12;
const RUNNING = new Set(["queued", "processing"]);

export function showHistory(main, signal) {
  const view = document.getElementById("history-template").content.firstElementChild.cloneNode(true);
  main.replaceChildren(view);
  const list = view.querySelector(".jobs");
  const more = view.querySelector(".more");
  const error = view.querySelector(".history-error");
  const posters = [];
  signal.addEventListener("abort", () => posters.forEach((poster) => poster.revoke()));
  let cursor = null;

  const loadPage = async () => {
    more.disabled = true;
    error.textContent = "";
    try {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set("cursor", cursor);
      const page = await getJson(`/jobs?${query}`, { signal });
      const now = Date.now() / 1000;
      for (const [jobId, job] of Object.entries(page.jobs)) {
        list.append(jobItem(jobId, job, now, signal, posters, error));
      }
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      view.querySelector(".empty").hidden = list.children.length > 0;
    } catch (failure) {
      if (!signal.aborted) error.textContent = failure.message;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", loadPage);
  loadPage();
}

function jobItem(jobId, job, now, signal, posters, error) {
  const item = document.createElement("li");
  item.className = "job-item";
  item.dataset.jobId = jobId;
  item.dataset.status = job.status;
  item.innerHTML =
    '<div class="poster" aria-hidden="true"></div>' +
    '<div class="facts"><a class="open"></a><span class="badge"></span>' +
    '<p class="message"></p><p class="when"><span class="age"></span><span class="length"></span></p></div>' +
    '<div class="item-actions"></div>';
  const open = item.querySelector(".open");
  open.href = `#/jobs/${encodeURIComponent(jobId)}`;
  open.textContent = `Video ${jobId.slice(0, 8)}`;
  open.setAttribute("aria-label", `Open video ${jobId}`);
  item.querySelector(".badge").textContent = job.status;
  item.querySelector(".message").textContent = job.message;
  const created = new Date(job.created_at * 1000);
  const age = item.querySelector(".age");
  age.textContent = `${ageOf(now - job.created_at)}`;
  age.title = created.toLocaleString();

  if (job.output_file) {
    lengthOf(jobId, signal)
      .then((seconds) => {
        item.querySelector(".length").textContent = `${formatSeconds(seconds)} long`;
      })
      .catch(() => {}); // captions gone or never made: the length goes unsaid
    fileUrl(`/jobs/${encodeURIComponent(jobId)}/thumbnail.jpg`, { signal })
      .then((poster) => {
        posters.push(poster);
        const image = new Image();
        image.alt = "";
        image.src = poster.url;
        item.querySelector(".poster").append(image);
      })
      .catch(() => {}); // no poster: the tile stays plain
  }
  if (RUNNING.has(job.status)) {
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "danger";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel video ${jobId}`);
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        const answer = await (await call(`/jobs/${encodeURIComponent(jobId)}`, { method: "DELETE" })).json();
        item.dataset.status = answer.status;
        item.querySelector(".badge").textContent = answer.status;
        item.querySelector(".message").textContent = answer.message;
        cancel.remove();
      } catch (failure) {
        error.textContent = failure.message;
        cancel.disabled = false;
      }
    });
    item.querySelector(".item-actions").append(cancel);
  }
  return item;
}

// The list names no video's length; the end of its last caption is the end of the speech,
// which the video lasts as long as (a few hundred bytes to fetch, against a whole video).
const CUE_END = /--> (\d+):(\d\d):(\d\d)\.(\d{3})/g;

async function lengthOf(jobId, signal) {
  const captions = await (await call(`/jobs/${encodeURIComponent(jobId)}/captions.vtt`, { signal })).text();
  const ends = [...captions.matchAll(CUE_END)];
  if (!ends.length) throw new Error("no captions");
  const [, hours, minutes, seconds, millis] = ends.at(-1).map(Number);
  return hours * 3600 + minutes * 60 + seconds + millis / 1000;
}

function ageOf(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
