// texpack review: the grid, the texture view and tuning. No build step, no dependencies.
"use strict";

const TOKEN = document.body.dataset.token;
const $ = (id) => document.getElementById(id);
const state = { rows: [], selected: new Set(), anchor: null, open: null, cols: 1, cell: 112, rowH: 134 };
window.__texpack = { start: performance.now(), firstGridPaint: null, renders: 0 };

// Every piece of text from the server (names, statuses, rules, reasons: they come from
// dumps, packs and profiles that may be someone else's) reaches the page as a text node or
// an attribute value through el(); nothing is parsed as HTML.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "style") Object.assign(node.style, v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

// Status words become CSS classes only when they are plain words.
const cssWord = (s) => (/^[a-z][a-z -]*$/.test(s) ? s.replace(/ /g, "-") : "other");

// GET requests carry no token in their address: fetch sends it as a header, and images and
// the event stream are authorised by the HttpOnly cookie the page was served with.
function api(path, params = {}) {
  return `${path}?${new URLSearchParams(params)}`;
}

async function getJSON(path, params) {
  const r = await fetch(api(path, params), { headers: { "X-Texpack-Token": TOKEN } });
  if (!r.ok) throw new Error(await r.text());
  return r.json();
}

async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Texpack-Token": TOKEN }, body: JSON.stringify(body || {}) });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function filters() {
  const f = { q: $("q").value, group: $("group").value, status: $("status").value, rule: $("rule").value,
    min: $("min").value, max: $("max").value, sort: $("sort").value };
  if ($("changed").checked) f.changed = "1";
  return f;
}

function fillSelect(sel, values, label) {
  const keep = sel.value;
  sel.replaceChildren(el("option", { value: "" }, label), ...values.map((v) => el("option", { value: v }, v)));
  sel.value = values.includes(keep) ? keep : "";
}

let loading = 0;
async function load() {
  const my = ++loading;
  const data = await getJSON("/api/rows", filters());
  if (my !== loading) return;  // a newer filter won
  state.rows = data.rows;  // [key, name, status, group, w, h, changed, hasOutput, version]
  $("game").textContent = `${data.game} · ${data.emulator} → ${data.target}`;
  fillSelect($("group"), data.facets.group, "all formats");
  fillSelect($("status"), data.facets.status, "any status");
  fillSelect($("rule"), data.facets.rule, "any rule");
  // the model menu: resamplers, bundled models and the user's own (any spandrel architecture)
  $("models").replaceChildren(...(data.models || []).map((m) => el("option", { value: m })));
  $("summary").textContent = `${data.rows.length} of ${data.total} textures shown · profile ${data.profile}`;
  $("undo").disabled = !data.undo;
  layout();
  render();
}

function layout() {
  const wrap = $("gridwrap");
  state.cols = Math.max(1, Math.floor(wrap.clientWidth / (state.cell + 8)));
  $("grid").style.height = `${Math.ceil(state.rows.length / state.cols) * state.rowH}px`;
}

// Virtual scrolling: only the cells in view (plus a margin) exist in the page.
function render() {
  const wrap = $("gridwrap"), grid = $("grid");
  const first = Math.max(0, Math.floor(wrap.scrollTop / state.rowH) - 2);
  const last = Math.min(Math.ceil(state.rows.length / state.cols), Math.ceil((wrap.scrollTop + wrap.clientHeight) / state.rowH) + 2);
  const cellsNow = [];
  for (let line = first; line < last; line++) {
    for (let c = 0; c < state.cols; c++) {
      const i = line * state.cols + c;
      const r = state.rows[i];
      if (!r) break;
      const [key, name, status, group, w, h, changed, hasOut, v] = r;
      const which = hasOut && !["not built", "skipped", "failed"].includes(status) ? "out" : "dump";
      cellsNow.push(el("div", { class: `cell${state.selected.has(key) ? " sel" : ""}`, dataset: { key, i }, title: name,
        style: { left: `${c * (state.cell + 8)}px`, top: `${line * state.rowH}px` } },
        el("div", { class: "img" }, el("img", { loading: "lazy", alt: "", src: api("/api/thumb", { key, which, size: 96, v }) })),
        el("span", { class: `badge ${cssWord(status)}` }, `${status} · ${group} ${w}×${h}`),
        changed ? el("span", { class: "dot", title: "changed since last look" }) : null,
        el("div", { class: "label" }, name)));
    }
  }
  grid.replaceChildren(...cellsNow);
  window.__texpack.renders++;
  if (window.__texpack.firstGridPaint === null && state.rows.length) {
    requestAnimationFrame(() => { window.__texpack.firstGridPaint = performance.now() - window.__texpack.start; });
  }
}

function select(key, i, ev) {
  const at = state.rows.findIndex((r) => r[0] === state.anchor);  // the anchor is a key: rows may have moved
  if (ev.shiftKey && at >= 0) {
    const [a, b] = [Math.min(at, i), Math.max(at, i)];
    for (let k = a; k <= b; k++) state.selected.add(state.rows[k][0]);
  } else if (ev.ctrlKey || ev.metaKey) {
    state.selected.has(key) ? state.selected.delete(key) : state.selected.add(key);
    state.anchor = key;
  } else {
    state.selected = new Set([key]);
    state.anchor = key;
  }
  $("selcount").textContent = `${state.selected.size} selected`;
  render();
  openTexture(key);
}

async function openTexture(key) {
  const r = await getJSON("/api/row", { key });
  state.open = r;
  $("detail").hidden = false;
  $("d-name").textContent = r.name;
  const dim = (text) => el("span", { class: "dim" }, ` (${text})`);
  const rows = Object.entries(r.settings).map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, String(v), dim(r.sources[k] || "profile"))));
  rows.unshift(el("tr", {}, el("td", {}, "status"), el("td", {}, r.status + (r.reason ? ` — ${r.reason}` : ""))));
  rows.push(el("tr", {}, el("td", {}, "rules"), el("td", {}, r.rules.join(", ") || "none")));
  $("d-settings").replaceChildren(...rows);
  $("d-fields").replaceChildren(...Object.entries(r.fields).map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, String(v)))),
    el("tr", {}, el("td", {}, "dump"), el("td", {}, r.dump)), el("tr", {}, el("td", {}, "pack file"), el("td", {}, r.output || "-")));
  showImages();
}

function showImages() {
  const r = state.open;
  if (!r) return;
  const zoom = Number($("d-zoom").value);
  const box = $("d-images");
  box.className = `bg-${$("d-bg").value}`;
  const v = Date.now();
  const dump = api("/file", { root: "dump", path: r.dump, v });
  const out = r.output && r.status !== "not built" && r.status !== "skipped" ? api("/file", { root: "pack", path: r.output, v }) : null;
  const scale = r.settings.scale || 4;
  const view = $("d-view").value;
  // Fit two images (or one 3x3 tile block) in the panel at zoom 1; the slider magnifies.
  const room = view === "side" ? 210 : view === "tile" ? 140 : 440;
  const fit = Math.min(1, room / Math.max(1, r.width * scale), room / Math.max(1, r.height * scale));
  const dw = Math.round(r.width * scale * fit * zoom), dh = Math.round(r.height * scale * fit * zoom);
  const img = (attrs) => el("img", { width: dw, height: dh, ...attrs });
  if (view === "side" || !out) {
    // Each side scrolls in its own pane; panning one pans the other, and the zoom is shared.
    const pane = (id, child) => el("div", { class: "pane", id, style: { maxWidth: `${room}px`, maxHeight: `${room}px` } }, child);
    const a = pane("d-pane-dump", img({ id: "d-dump", src: dump }));
    const b = out ? pane("d-pane-out", img({ id: "d-out", src: out })) : null;
    if (b) {
      let syncing = false;
      const follow = (from, to) => () => {
        if (syncing) return;
        syncing = true;
        to.scrollLeft = from.scrollLeft;
        to.scrollTop = from.scrollTop;
        requestAnimationFrame(() => { syncing = false; });
      };
      a.addEventListener("scroll", follow(a, b));
      b.addEventListener("scroll", follow(b, a));
    }
    box.replaceChildren(el("figure", {}, a, el("figcaption", {}, `dump ${r.width}×${r.height}`)),
      b ? el("figure", {}, b, el("figcaption", {}, `pack ×${scale}`)) : "");
  } else if (view === "slider") {
    const over = el("div", { class: "over", id: "d-over", style: { width: `${dw / 2}px`, height: `${dh}px` } }, img({ src: dump }));
    const cut = el("input", { type: "range", id: "d-cut", min: 0, max: 100, value: 50, "aria-label": "dump | pack", style: { width: `${dw}px` } });
    cut.oninput = (e) => { over.style.width = `${dw * e.target.value / 100}px`; };
    const frame = el("div", { class: "slider", id: "d-slider", style: { width: `${dw}px`, height: `${dh}px` } }, img({ src: out }), over);
    // Drag anywhere on the picture to move the divider (the range input below does the same).
    const drag = (e) => {
      const f = Math.max(0, Math.min(1, (e.clientX - frame.getBoundingClientRect().left) / dw));
      over.style.width = `${dw * f}px`;
      cut.value = String(Math.round(f * 100));
    };
    frame.addEventListener("pointerdown", (e) => { frame.setPointerCapture(e.pointerId); drag(e); });
    frame.addEventListener("pointermove", (e) => { if (frame.hasPointerCapture(e.pointerId)) drag(e); });
    box.replaceChildren(frame, cut);
  } else {
    // CSS.escape keeps the address one url() token whatever it holds.
    box.replaceChildren(el("div", { class: "tiled", id: "d-tiled", style: { width: `${dw * 3}px`, height: `${dh * 3}px`,
      backgroundImage: `url("${CSS.escape(out)}")`, backgroundSize: `${dw}px ${dh}px` } }));
  }
}

function chosenSettings() {
  const s = {};
  for (const k of ["skip", "model", "scale", "alpha", "seam", "color_fix", "detail"]) {
    const v = $(`s-${k}`).value;
    if (v === "") continue;
    if (k === "skip" || k === "color_fix") s[k] = v === "true";
    else if (k === "scale") s[k] = parseInt(v, 10);
    else if (k === "detail") s[k] = parseFloat(v);
    else s[k] = v;
  }
  return s;
}

function message(text, isError) {
  $("message").textContent = text;
  $("message").className = isError ? "error" : "";
}

async function apply() {
  const set = chosenSettings();
  if (!state.selected.size) return message("select textures first", true);
  if (!Object.keys(set).length) return message("choose a setting first", true);
  try {
    const name = $("rulename").value || `${Object.entries(set).map(([k, v]) => `${k} ${v}`).join(", ")} (review)`;
    const r = await post("/api/rules", { name, ids: [...state.selected], set });
    if (r.rebuilt_by) {
      message(`rule saved; the running watch rebuilds ${r.changed} textures (${r.rebuilt_by})`);
    } else {
      message(`rule saved; rebuilding ${r.changed} textures…`);
      $("progress").hidden = false;
    }
  } catch (e) {
    message(e.message, true);
  }
}

// What the chosen settings would make of the open texture, shown beside it; nothing is saved.
async function preview() {
  const set = chosenSettings();
  if (!state.open) return message("open a texture first", true);
  if (!Object.keys(set).length) return message("choose a setting first", true);
  message("making a preview…");
  const r = await fetch("/api/preview", { method: "POST", headers: { "Content-Type": "application/json", "X-Texpack-Token": TOKEN },
    body: JSON.stringify({ key: state.open.id, set }) });
  if (!r.ok) {
    const data = await r.json().catch(() => ({}));
    return message(data.error || r.statusText, true);
  }
  const url = URL.createObjectURL(await r.blob());
  const shown = $("d-images").querySelector("img");
  const fig = el("figure", { id: "d-preview-fig" }, el("img", { id: "d-preview", src: url, width: shown ? shown.width : null, height: shown ? shown.height : null }),
    el("figcaption", {}, `preview: ${Object.entries(set).map(([k, v]) => `${k} ${v}`).join(", ")} (not saved)`));
  const old = $("d-preview-fig");
  if (old) old.replaceWith(fig); else $("d-images").append(fig);
  message("preview shown beside the texture; apply to save it as a rule");
}

async function undo() {
  try {
    const r = await post("/api/undo");
    message(r.rebuilt_by ? `undone; the running watch rebuilds ${r.changed} textures` : `undone; rebuilding ${r.changed} textures…`);
  } catch (e) {
    message(e.message, true);
  }
}

function listen() {
  const es = new EventSource("/api/events");
  es.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    if (e.type === "progress") {
      $("progress").hidden = false;
      $("progress").max = Math.max(1, e.total);
      $("progress").value = e.done;
    } else if (e.type === "done") {
      $("progress").hidden = true;
      document.body.dataset.rebuilt = String(Number(document.body.dataset.rebuilt || 0) + 1);
      message(e.failed.length ? `rebuilt, with failures: ${e.failed.join("; ")}` : `rebuilt ${e.outcomes} textures (${e.statuses.join(", ")})`, e.failed.length > 0);
    } else if (e.type === "error") {
      $("progress").hidden = true;
      message(e.message, true);
    } else if (e.type === "rows") {
      load().then(() => { if (state.open) openTexture(state.open.id).catch(() => {}); });
    }
  };
}

let timer = null;
function refilter() {
  clearTimeout(timer);
  timer = setTimeout(load, 120);
}

for (const id of ["q", "group", "status", "rule", "min", "max", "changed", "sort"]) {
  $(id).addEventListener("input", refilter);
  $(id).addEventListener("change", refilter);
}
$("gridwrap").addEventListener("scroll", () => requestAnimationFrame(render));
window.addEventListener("resize", () => { layout(); render(); });
$("grid").addEventListener("click", (ev) => {
  const cell = ev.target.closest(".cell");
  if (cell) select(cell.dataset.key, Number(cell.dataset.i), ev);
});
// Arrow keys step through the filtered list from the open texture (not while typing).
document.addEventListener("keydown", (ev) => {
  if (!["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].includes(ev.key) || ev.target.closest("input, select, textarea")) return;
  if (!state.rows.length) return;
  const at = state.open ? state.rows.findIndex((r) => r[0] === state.open.id) : -1;
  const step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : ev.key === "ArrowDown" ? state.cols : -state.cols;
  const i = Math.max(0, Math.min(state.rows.length - 1, at < 0 ? 0 : at + step));
  ev.preventDefault();
  const wrap = $("gridwrap"), top = Math.floor(i / state.cols) * state.rowH;
  if (top < wrap.scrollTop || top + state.rowH > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = top - state.rowH;
  select(state.rows[i][0], i, { shiftKey: false, ctrlKey: false, metaKey: false });
});
$("selall").onclick = () => { state.selected = new Set(state.rows.map((r) => r[0])); $("selcount").textContent = `${state.selected.size} selected`; render(); };
$("selnone").onclick = () => { state.selected = new Set(); $("selcount").textContent = "0 selected"; render(); };
$("apply").onclick = apply;
$("preview").onclick = () => preview().catch((e) => message(e.message, true));
$("undo").onclick = undo;
$("seen").onclick = async () => { await post("/api/seen"); load(); };
for (const id of ["d-view", "d-zoom", "d-bg"]) {
  $(id).addEventListener("input", showImages);
  $(id).addEventListener("change", showImages);
}

load().catch((e) => message(e.message, true));
listen();
