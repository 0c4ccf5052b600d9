// The API key form: shown when the API answers 401, with the API's own error, until a key
// is given. Requests waiting for a key at the same time share one form.

import { storeKey } from "./api.js";

let waiting = null;

/** Resolves true once the user has given a key (stored for next time). */
export function askForKey(message) {
  if (!waiting) {
    waiting = showForm(message).finally(() => {
      waiting = null;
    });
  }
  return waiting;
}

function showForm(message) {
  const dialog = document.getElementById("key-dialog");
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  document.getElementById("key-error").textContent = message;
  input.value = "";
  return new Promise((resolve) => {
    function submitted(event) {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) {
        input.focus();
        return;
      }
      form.removeEventListener("submit", submitted);
      dialog.removeEventListener("cancel", refused);
      dialog.close();
      storeKey(key);
      resolve(true);
    }
    function refused(event) {
      // Without a key nothing works; Escape leaves the form where it is.
      event.preventDefault();
    }
    form.addEventListener("submit", submitted);
    dialog.addEventListener("cancel", refused);
    dialog.showModal();
    input.focus();
  });
}
