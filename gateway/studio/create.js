// The new-video form: the story with its length, the job options of docs/api-contract.md,
// a sample frame showing the caption style, and the start button (POST /generate).

import { getJson, postJson } from "./api.js";
import { countWords, formatSeconds, spokenSeconds } from "./estimate.js";

const FRAME_SIZES = { portrait: [1080, 1920], landscape: [1920, 1080], square: [1080, 1080] };
// As svc_render/captions_layout.py lays captions out: the size scaled to the short side,
// where a caption's middle sits, and the margins portrait apps keep clear.
const FONT_SCALE = 1 / 11;
const MIN_FONT_SIZE = 8;
const OUTLINE_WIDTH = 0.08;
const CAPTION_CENTRE = { bottom: 0.8, middle: 0.5 };
const TOP_MARGIN = { portrait: 0.12, other: 0.06 };

export function showCreate(main, signal) {
  const form = document.getElementById("create-template").content.firstElementChild.cloneNode(true);
  main.replaceChildren(form);
  const field = (id) => form.querySelector(`#${id}`);

  const updateText = () => {
    const text = field("text").value;
    const words = countWords(text);
    const rate = Number(field("speaking-rate").value);
    const seconds = spokenSeconds(text, rate);
    field("text-facts").textContent =
      `${words} ${words === 1 ? "word" : "words"}` +
      (words ? `, about ${formatSeconds(seconds)} of video` : "");
    field("speaking-rate-value").textContent = `${rate.toFixed(2)}×`;
  };
  const updatePreview = () => drawSample(form, field);
  form.addEventListener("input", () => {
    updateText();
    updatePreview();
  });
  const resizes = new ResizeObserver(updatePreview);
  resizes.observe(field("frame"));
  signal.addEventListener("abort", () => resizes.disconnect());
  updateText();
  updatePreview();
  loadVoices(field("voice"), field("voice-note"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = field("create-error");
    error.textContent = "";
    const text = field("text").value;
    if (!text.trim()) {
      error.textContent = "Write the story first.";
      field("text").focus();
      return;
    }
    const start = field("start");
    start.disabled = true;
    try {
      const accepted = await postJson("/generate", { text, options: optionsOf(form) });
      location.hash = `#/jobs/${accepted.job_id}`;
    } catch (failure) {
      error.textContent = failure.message;
      start.disabled = false;
    }
  });
}

async function loadVoices(select, note) {
  try {
    const catalog = await getJson("/voices");
    select.options[0].textContent = `The service's default (${catalog.default})`;
    for (const voice of catalog.voices) {
      const option = new Option(`${voice.name} (${voice.language}, ${voice.backend})`, voice.id);
      select.append(option);
    }
  } catch (failure) {
    note.textContent = failure.message;
  }
}

/** The job's options as the API names them; fields left empty keep the service's default. */
export function optionsOf(form) {
  const value = (name) => form.elements[name].value;
  const checked = (name) => form.elements[name].checked;
  const number = (name) => (value(name) === "" ? null : Number(value(name)));
  const options = {
    orientation: value("orientation"),
    preview: checked("preview"),
    music: checked("music"),
    speaking_rate: Number(value("speaking_rate")),
    captions: {
      enabled: checked("captions.enabled"),
      color: value("captions.color").toUpperCase(),
      highlight: checked("captions.highlight"),
      highlight_color: value("captions.highlight_color").toUpperCase(),
      outline_color: value("captions.outline_color").toUpperCase(),
      box: checked("captions.box"),
      position: value("captions.position"),
    },
  };
  const fontSize = number("captions.font_size");
  if (fontSize !== null) options.captions.font_size = fontSize;
  for (const name of ["width", "height", "fps"]) {
    if (number(name) !== null) options[name] = number(name);
  }
  for (const name of ["voice", "footage_provider", "query_provider"]) {
    if (value(name)) options[name] = value(name);
  }
  return options;
}

/** The frame size the job will render at, as JobOptions works it out. */
function frameSize(form) {
  const options = optionsOf(form);
  let [width, height] = FRAME_SIZES[options.orientation];
  if (options.preview) [width, height] = [width / 2, height / 2];
  return [options.width ?? width, options.height ?? height];
}

function drawSample(form, field) {
  const options = optionsOf(form);
  const [width, height] = frameSize(form);
  const frame = field("frame");
  frame.style.setProperty("--aspect", `${width} / ${height}`);
  field("frame-size").textContent = `${width}×${height}, ${options.fps ?? 30} frames a second`;

  const style = options.captions;
  const caption = field("sample-caption");
  caption.hidden = !style.enabled;
  // The frame on screen is smaller than the video: scale the video's pixels to it.
  const scale = frame.getBoundingClientRect().height / height || 0;
  const videoFontSize = style.font_size ?? Math.max(MIN_FONT_SIZE, Math.round(Math.min(width, height) * FONT_SCALE));
  const fontSize = videoFontSize * scale;
  caption.style.setProperty("--size", `${fontSize}px`);
  caption.style.setProperty("--outline-width", `${Math.max(1, videoFontSize * OUTLINE_WIDTH) * scale}px`);
  caption.style.setProperty("--color", style.color);
  caption.style.setProperty("--spoken", style.highlight ? style.highlight_color : style.color);
  caption.style.setProperty("--outline", style.outline_color);
  caption.classList.toggle("boxed", style.box);
  const topMargin = options.orientation === "portrait" ? TOP_MARGIN.portrait : TOP_MARGIN.other;
  caption.dataset.position = style.position;
  caption.style.setProperty(
    "--centre",
    `${100 * (CAPTION_CENTRE[style.position] ?? topMargin)}%`,
  );
}
