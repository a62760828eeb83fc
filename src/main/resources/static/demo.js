// The demo page: classify images through POST /classify and show each one's top 5.
"use strict";

const TOP_K = 5;
const STATUS_TEXT = { READY: "ready", LOADING: "loading", WARMING_UP: "warming up", FAILED: "failed" };

const form = document.getElementById("classify-form");
const modelSelect = document.getElementById("model");
const modelNote = document.getElementById("model-note");
const fileInput = document.getElementById("images");
const dropzone = document.getElementById("dropzone");
const submitButton = document.getElementById("classify");
const errorBox = document.getElementById("error");
const results = document.getElementById("results");
const sampleList = document.getElementById("sample-list");

let models = [];
let thumbnails = [];

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

async function loadModels() {
  try {
    const response = await fetch("models", { headers: { Accept: "application/json" } });
    if (!response.ok) {
      await showError(response);
      return;
    }
    models = await response.json();
  } catch (e) {
    showMessage("Cannot reach the service", e.message);
    return;
  }
  const selected = modelSelect.value || (models.find((m) => m.isDefault) || models[0] || {}).name;
  modelSelect.replaceChildren(...models.map((m) => {
    const notes = [STATUS_TEXT[m.status] || m.status];
    if (m.status !== "FAILED" && !m.trained) {
      notes.push("untrained");
    }
    const label = `${m.name}${m.isDefault ? " (default)" : ""} — ${notes.join(", ")}`;
    return element("option", { value: m.name }, label);
  }));
  modelSelect.value = selected;
  describeModel();
  // Models load in the background after start-up: keep the list current until they settle.
  if (models.some((m) => m.status === "LOADING" || m.status === "WARMING_UP")) {
    setTimeout(loadModels, 2000);
  }
}

function describeModel() {
  const model = models.find((m) => m.name === modelSelect.value);
  modelNote.classList.remove("untrained");
  if (!model) {
    modelNote.textContent = "";
  } else if (model.status === "FAILED") {
    modelNote.textContent = `This model failed to load: ${model.failure}`;
  } else {
    const input = model.input ? `, input ${model.input.size}×${model.input.size}, ${model.input.channels === 1 ? "grey" : "colour"}` : "";
    modelNote.replaceChildren(`${model.architecture || "unknown architecture"}${input}, ${model.labels} classes.`);
    if (model.description) {
      modelNote.append(" ", model.description, ".");
    }
    if (Array.isArray(model.classes) && model.classes.length > 0) {
      const more = model.labels > model.classes.length ? `, and ${model.labels - model.classes.length} more` : "";
      modelNote.append(element("span", { class: "classes" }, ` It knows: ${model.classes.join(", ")}${more}.`));
    }
    if (!model.trained) {
      modelNote.append(" It has no trained weights: its answers are noise.");
      modelNote.classList.add("untrained");
    }
  }
}

function showMessage(title, detail) {
  errorBox.replaceChildren(element("strong", {}, title), element("p", {}, detail || ""));
  errorBox.hidden = false;
}

// Errors are RFC 9457 problem documents; anything else is shown as the status and the text.
async function showError(response) {
  const text = await response.text();
  let title = `${response.status} ${response.statusText}`.trim();
  let detail = text;
  try {
    const problem = JSON.parse(text);
    title = `${problem.status || response.status} ${problem.title || ""}`.trim();
    detail = problem.detail || text;
  } catch (e) {
    // not JSON: keep the raw text
  }
  showMessage(title, detail);
}

function formatMs(ms) {
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

function render(classification, files, roundTripMs) {
  thumbnails.forEach((url) => URL.revokeObjectURL(url));
  thumbnails = files.map((file) => URL.createObjectURL(file));
  const count = classification.images.length;
  const heading = element("p", { class: "summary" },
    `${count} ${count === 1 ? "image" : "images"} classified by ${classification.model} on ${classification.device}.`);
  if (!classification.trained) {
    heading.append(" This model has no trained weights: its answers are noise.");
  }
  const articles = classification.images.map((image, i) => {
    const predictions = element("ol", { class: "predictions", "aria-label": `Top ${image.predictions.length} classes` },
      ...image.predictions.map((p) => {
        const percent = (p.probability * 100).toFixed(1);
        const bar = element("div", { class: "bar", "aria-hidden": "true" }, element("span", { style: `width: ${percent}%` }));
        return element("li", { class: "prediction" },
          element("span", { class: "label" }, p.label), bar, element("span", { class: "probability" }, `${percent} %`));
      }));
    const batch = classification.images.length;
    const latency = element("p", { class: "latency" },
      `Preprocess ${formatMs(image.preprocessMs)} · queue ${formatMs(image.queueMs)} · ` +
      `inference ${formatMs(image.inferenceMs)}${batch > 1 ? ` (batch of ${batch})` : ""} · ` +
      `round trip ${formatMs(roundTripMs)}${batch > 1 ? " (whole request)" : ""}`);
    return element("article", { class: "result" },
      element("img", { src: thumbnails[i], alt: `Thumbnail of ${image.filename}` }),
      element("div", {}, element("h2", {}, image.filename), predictions, latency));
  });
  results.replaceChildren(heading, ...articles);
}

function classifyChosen(event) {
  event.preventDefault();
  const files = Array.from(fileInput.files);
  if (files.length === 0) {
    showMessage("No image chosen", "Choose or drop at least one image.");
    return;
  }
  classify(files);
}

async function classify(files) {
  errorBox.hidden = true;
  const body = new FormData();
  files.forEach((file) => body.append("image", file, file.name));
  const query = new URLSearchParams({ model: modelSelect.value, topK: TOP_K });
  submitButton.disabled = true;
  submitButton.textContent = "Classifying…";
  try {
    const started = performance.now();
    const response = await fetch(`classify?${query}`, { method: "POST", body });
    if (!response.ok) {
      await showError(response);
      return;
    }
    const classification = await response.json();
    render(classification, files, performance.now() - started);
  } catch (e) {
    showMessage("The request failed", e.message);
  } finally {
    submitButton.disabled = false;
    submitButton.textContent = "Classify";
  }
}

dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("dragging");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("dragging");
  if (event.dataTransfer.files.length > 0) {
    fileInput.files = event.dataTransfer.files;
    form.requestSubmit();
  }
});
// The samples the service ships (the README's samples/ folder), each a button that classifies it.
async function loadSamples() {
  let samples;
  try {
    const response = await fetch("samples/samples.json");
    samples = response.ok ? await response.json() : [];
  } catch (e) {
    samples = [];
  }
  sampleList.replaceChildren(...samples.map((sample) => {
    const button = element("button", { type: "button", class: "sample", title: `Classify ${sample.file}: ${sample.shows}` },
      element("img", { src: `samples/${sample.file}`, alt: "" }),
      element("span", {}, sample.shows));
    button.addEventListener("click", async () => {
      const response = await fetch(`samples/${sample.file}`);
      const blob = await response.blob();
      classify([new File([blob], sample.file, { type: blob.type })]);
    });
    return button;
  }));
  document.getElementById("samples").hidden = samples.length === 0;
}

modelSelect.addEventListener("change", describeModel);
form.addEventListener("submit", classifyChosen);
loadModels();
loadSamples();
