// The API under /api/v1, as any client calls it, with the API key when the service wants one.
//
// A 401 asks the user for a key (see keyprompt.js) and tries again with it; every other
// error is thrown as an ApiError carrying the `error` field of the API's body as written.

export const API = "/api/v1";
const KEY_STORAGE = "t2v.apiKey";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let askForKey = async () => false;

/** Who asks for a key: `ask(message)` resolves true once a new key is stored. */
export function setKeyAsker(ask) {
  askForKey = ask;
}

export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return ""; // storage refused (private mode): the key lasts this page only
  }
}

let pageKey = "";

export function storeKey(key) {
  pageKey = key;
  try {
    localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // kept in pageKey alone
  }
  document.dispatchEvent(new Event("keychange"));
}

export function forgetKey() {
  pageKey = "";
  try {
    localStorage.removeItem(KEY_STORAGE);
  } catch {
    // nothing was stored
  }
  document.dispatchEvent(new Event("keychange"));
}

export function hasKey() {
  return Boolean(currentKey());
}

function currentKey() {
  return storedKey() || pageKey;
}

export function keyHeaders() {
  const key = currentKey();
  return key ? { "X-API-Key": key } : {};
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") message = body.error;
  } catch {
    // not JSON: the status line says what there is to say
  }
  return new ApiError(response.status, message);
}

/**
 * fetch() under /api/v1 with the key; on 401, asks for a key and tries again.
 * Resolves to the Response when it is OK, else throws an ApiError.
 */
export async function call(path, init = {}) {
  for (;;) {
    const headers = { ...(init.headers || {}), ...keyHeaders() };
    const response = await fetch(`${API}${path}`, { ...init, headers });
    if (response.ok) return response;
    const error = await errorOf(response);
    if (response.status !== 401 || !(await askForKey(error.message))) throw error;
  }
}

export async function getJson(path, init = {}) {
  return (await call(path, init)).json();
}

export async function postJson(path, body) {
  const response = await call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

/**
 * A URL an <img>, <video> or link can use for a file under /api/v1. Those cannot send
 * headers, so with a key the file is fetched here and handed over as a blob: URL, which
 * the caller must revoke; without one the API's own URL serves it (and lets a video seek).
 */
export async function fileUrl(path, init = {}) {
  if (!currentKey()) return { url: `${API}${path}`, revoke() {} };
  const blob = await (await call(path, init)).blob();
  const url = URL.createObjectURL(blob);
  return { url, revoke: () => URL.revokeObjectURL(url) };
}

/** Save a file under /api/v1 as `filename`, through the browser's download. */
export async function download(path, filename) {
  const file = await fileUrl(path);
  const link = document.createElement("a");
  link.href = file.url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once click() returns; a moment's grace all the same.
  setTimeout(() => file.revoke(), 10000);
}
