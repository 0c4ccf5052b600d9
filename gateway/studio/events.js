// A job's Server-Sent Events (GET /jobs/<id>/events), read with fetch() rather than
// EventSource, which cannot send the API key header. Like an EventSource, it reconnects
// when the stream ends before the job does, sending Last-Event-ID so nothing repeats.

import { call } from "./api.js";

const TERMINAL_EVENTS = new Set(["completed", "failed"]);
const RECONNECT_MS = 1000;

/**
 * Calls onEvent(name, data) for each event until a completed or failed one, or until
 * `signal` aborts. Resolves when the job has ended; rejects with the API's error.
 */
export async function followJob(jobId, onEvent, signal) {
  let lastId = "";
  for (;;) {
    const headers = lastId ? { "Last-Event-ID": lastId } : {};
    const path = `/jobs/${encodeURIComponent(jobId)}/events`;
    let ended = false;
    try {
      const response = await call(path, { headers, signal });
      for await (const event of readEvents(response.body, signal)) {
        if (event.id) lastId = event.id;
        if (!event.data) continue;
        onEvent(event.name, JSON.parse(event.data));
        if (TERMINAL_EVENTS.has(event.name)) ended = true;
      }
    } catch (error) {
      // A dropped connection is retried; the API refusing the stream is the caller's to show.
      if (signal.aborted || error.status) throw error;
    }
    if (ended || signal.aborted) return;
    await pause(RECONNECT_MS, signal);
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The events of a text/event-stream body, as the HTML standard parses them. */
export async function* readEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}));
  let buffer = "";
  let event = { name: "message", data: [], id: "" };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop(); // an unfinished line waits for the rest
    for (const line of lines) {
      if (line === "") {
        if (event.data.length) yield { name: event.name, data: event.data.join("\n"), id: event.id };
        event = { name: "message", data: [], id: event.id };
        continue;
      }
      if (line.startsWith(":")) continue; // a keep-alive comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event.name = value;
      else if (field === "data") event.data.push(value);
      else if (field === "id") event.id = value;
    }
  }
}
