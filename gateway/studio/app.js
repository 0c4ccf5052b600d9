// The studio's entry: hash routes (#/new, #/jobs/<id>, #/history), each view given a signal
// that aborts when the route changes, so its streams and blob URLs end with it.

import { forgetKey, hasKey, setKeyAsker } from "./api.js";
import { showCreate } from "./create.js";
import { showHistory } from "./history.js";
import { showJob } from "./job.js";
import { askForKey } from "./keyprompt.js";

const ROUTES = [
  [/^#\/jobs\/([A-Za-z0-9_-]{1,64})$/, "history", (main, signal, [, id]) => showJob(main, signal, id)],
  [/^#\/history$/, "history", showHistory],
  [/^(#\/new)?$|^#\/?$/, "new", showCreate],
];

let current = null;

function route(event) {
  current?.abort();
  current = new AbortController();
  const main = document.getElementById("main");
  const hash = location.hash;
  const match = ROUTES.map(([pattern, section, show]) => [pattern.exec(hash), section, show]).find(
    ([found]) => found,
  );
  if (!match) {
    location.replace("#/new");
    return;
  }
  const [found, section, show] = match;
  for (const link of document.querySelectorAll("nav [data-route]")) {
    if (link.dataset.route === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  show(main, current.signal, found);
  // After a move, keyboard and screen reader users land on the new view's heading.
  if (event) main.querySelector("h1")?.focus();
}

// Shown while a key is kept, for a shared computer; the next call asks for one again.
function offerToForget() {
  document.getElementById("forget-key").hidden = !hasKey();
}

setKeyAsker(askForKey);
document.getElementById("forget-key").addEventListener("click", () => {
  forgetKey();
  route();
});
document.addEventListener("keychange", offerToForget);
window.addEventListener("hashchange", route);
offerToForget();
route();
