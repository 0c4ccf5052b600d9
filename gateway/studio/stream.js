// The video while it renders: the render's HLS playlist, its fragmented-MP4 segments fed
// to the <video> through Media Source Extensions (Chromium plays no HLS by itself). The
// playlist and segments are fetched with the API key, as every other call; the playlist is
// asked for again every second until it ends. A video rendered in shards streams in parts,
// each with its own init (appended before its first segment) and the times it has in the
// whole video.

import { ApiError, call } from "./api.js";

const POLL_MS = 1000;
// H.264 High and AAC-LC: what the render encodes (MSE wants the codecs named up front).
const MIME = 'video/mp4; codecs="avc1.640028, mp4a.40.2"';
const INIT = /^#EXT-X-MAP:URI="([^"]+)"$/;
const ENDED = /^#EXT-X-ENDLIST$/m;

/** Whether this browser can play the stream at all. */
export function canStream() {
  return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported(MIME);
}

/**
 * Play the job's stream in `video` until it ends or `signal` aborts. Resolves once the
 * playlist has ended and every segment is in; throws on anything but a stream not there yet.
 */
export async function playStream(video, jobId, signal) {
  const base = `/jobs/${encodeURIComponent(jobId)}`;
  const source = new MediaSource();
  const url = URL.createObjectURL(source);
  signal.addEventListener("abort", () => URL.revokeObjectURL(url));
  video.src = url;
  await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  const buffer = source.addSourceBuffer(MIME);
  // Names in the playlist are relative to it, like "stream/segment_00000.m4s".
  const append = async (name) => {
    const data = await (await call(`${base}/${name}`, { signal })).arrayBuffer();
    if (signal.aborted) return;
    buffer.appendBuffer(data);
    await new Promise((resolve) => buffer.addEventListener("updateend", resolve, { once: true }));
  };
  let appended = 0;
  let currentInit = null;
  while (!signal.aborted) {
    const playlist = await playlistText(`${base}/stream.m3u8`, signal);
    if (playlist !== null) {
      for (const segment of segmentsOf(playlist).slice(appended)) {
        if (segment.init !== currentInit) {
          await append(segment.init);
          currentInit = segment.init;
        }
        await append(segment.name);
        appended += 1;
        if (appended === 1) video.play().catch(() => {}); // muted, so allowed without a click
      }
      if (ENDED.test(playlist) && !signal.aborted) {
        source.endOfStream();
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The playlist's segments in order, each with its init. */
function segmentsOf(playlist) {
  const segments = [];
  let init = null;
  for (const line of playlist.split("\n")) {
    const map = INIT.exec(line);
    if (map) init = map[1];
    else if (line && !line.startsWith("#") && init) segments.push({ name: line, init });
  }
  return segments;
}

/** The playlist, or null while there is none yet (404). */
async function playlistText(path, signal) {
  try {
    return await (await call(path, { signal, cache: "no-store" })).text();
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return null;
    throw failure;
  }
}
