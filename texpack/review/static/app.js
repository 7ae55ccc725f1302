// texpack review: the grid, the texture view and tuning. No build step, no dependencies.
"use strict";

const TOKEN = document.body.dataset.token;
const $ = (id) => document.getElementById(id);
const state = { rows: [], selected: new Set(), anchor: null, open: null, cols: 1, cell: 112, rowH: 134 };
window.__texpack = { start: performance.now(), firstGridPaint: null, renders: 0 };

function api(path, params = {}) {
  const q = new URLSearchParams({ ...params, t: TOKEN });
  return `${path}?${q}`;
}

async function getJSON(path, params) {
  const r = await fetch(api(path, params));
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
  sel.innerHTML = `<option value="">${label}</option>` + values.map((v) => `<option>${escapeHTML(v)}</option>`).join("");
  sel.value = values.includes(keep) ? keep : "";
}

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

let loading = 0;
async function load() {
  const my = ++loading;
  const data = await getJSON("/api/rows", filters());
  if (my !== loading) return;  // a newer filter won
  state.rows = data.rows;  // [id, name, status, group, w, h, changed, hasOutput]
  $("game").textContent = `${data.game} · ${data.emulator} → ${data.target}`;
  fillSelect($("group"), data.facets.group, "all formats");
  fillSelect($("status"), data.facets.status, "any status");
  fillSelect($("rule"), data.facets.rule, "any rule");
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
  const html = [];
  for (let line = first; line < last; line++) {
    for (let c = 0; c < state.cols; c++) {
      const i = line * state.cols + c;
      const r = state.rows[i];
      if (!r) break;
      const [id, name, status, group, w, h, changed, hasOut] = r;
      const which = hasOut && !["not built", "skipped", "failed"].includes(status) ? "out" : "dump";
      html.push(`<div class="cell${state.selected.has(id) ? " sel" : ""}" data-id="${id}" data-i="${i}" style="left:${c * (state.cell + 8)}px;top:${line * state.rowH}px" title="${escapeHTML(name)}">
        <div class="img"><img loading="lazy" alt="" src="${api("/api/thumb", { id, which, size: 96 })}"></div>
        <span class="badge ${status}">${status} · ${group} ${w}×${h}</span>${changed ? '<span class="dot" title="changed since last look"></span>' : ""}
        <div class="label">${escapeHTML(name)}</div></div>`);
    }
  }
  grid.innerHTML = html.join("");
  window.__texpack.renders++;
  if (window.__texpack.firstGridPaint === null && state.rows.length) {
    requestAnimationFrame(() => { window.__texpack.firstGridPaint = performance.now() - window.__texpack.start; });
  }
}

function select(id, i, ev) {
  if (ev.shiftKey && state.anchor !== null) {
    const [a, b] = [Math.min(state.anchor, i), Math.max(state.anchor, i)];
    for (let k = a; k <= b; k++) state.selected.add(state.rows[k][0]);
  } else if (ev.ctrlKey || ev.metaKey) {
    state.selected.has(id) ? state.selected.delete(id) : state.selected.add(id);
    state.anchor = i;
  } else {
    state.selected = new Set([id]);
    state.anchor = i;
  }
  $("selcount").textContent = `${state.selected.size} selected`;
  render();
  openTexture(id);
}

async function openTexture(id) {
  const r = await getJSON(`/api/row/${id}`);
  state.open = r;
  $("detail").hidden = false;
  $("d-name").textContent = r.name;
  const rows = Object.entries(r.settings).map(([k, v]) => `<tr><td>${k}</td><td>${escapeHTML(v)} <span style="color:var(--dim)">(${escapeHTML(r.sources[k] || "profile")})</span></td></tr>`);
  rows.unshift(`<tr><td>status</td><td>${escapeHTML(r.status)}${r.reason ? " — " + escapeHTML(r.reason) : ""}</td></tr>`);
  rows.push(`<tr><td>rules</td><td>${escapeHTML(r.rules.join(", ") || "none")}</td></tr>`);
  $("d-settings").innerHTML = rows.join("");
  $("d-fields").innerHTML = Object.entries(r.fields).map(([k, v]) => `<tr><td>${escapeHTML(k)}</td><td>${escapeHTML(v)}</td></tr>`).join("")
    + `<tr><td>dump</td><td>${escapeHTML(r.dump)}</td></tr><tr><td>pack file</td><td>${escapeHTML(r.output || "-")}</td></tr>`;
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
  if (view === "side" || !out) {
    box.innerHTML = `<figure><img id="d-dump" src="${dump}" width="${dw}" height="${dh}"><figcaption>dump ${r.width}×${r.height}</figcaption></figure>`
      + (out ? `<figure><img id="d-out" src="${out}" width="${dw}" height="${dh}"><figcaption>pack ×${scale}</figcaption></figure>` : "");
  } else if (view === "slider") {
    box.innerHTML = `<div class="slider" style="width:${dw}px;height:${dh}px"><img src="${out}" width="${dw}" height="${dh}">
      <div class="over" id="d-over" style="width:${dw / 2}px;height:${dh}px"><img src="${dump}" width="${dw}" height="${dh}"></div></div>
      <input type="range" id="d-cut" min="0" max="100" value="50" style="width:${dw}px" aria-label="dump | pack">`;
    $("d-cut").oninput = (e) => { $("d-over").style.width = `${dw * e.target.value / 100}px`; };
  } else {
    box.innerHTML = `<div class="tiled" id="d-tiled" style="width:${dw * 3}px;height:${dh * 3}px;background-image:url('${out}');background-size:${dw}px ${dh}px"></div>`;
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
    message(`rule saved; rebuilding ${r.changed} textures…`);
    $("progress").hidden = false;
  } catch (e) {
    message(e.message, true);
  }
}

async function undo() {
  try {
    const r = await post("/api/undo");
    message(`undone; rebuilding ${r.changed} textures…`);
  } catch (e) {
    message(e.message, true);
  }
}

function listen() {
  const es = new EventSource(api("/api/events"));
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
      load().then(() => { if (state.open) openTexture(state.open.id); });
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
  if (cell) select(Number(cell.dataset.id), Number(cell.dataset.i), ev);
});
$("selall").onclick = () => { state.selected = new Set(state.rows.map((r) => r[0])); $("selcount").textContent = `${state.selected.size} selected`; render(); };
$("selnone").onclick = () => { state.selected = new Set(); $("selcount").textContent = "0 selected"; render(); };
$("apply").onclick = apply;
$("undo").onclick = undo;
$("seen").onclick = async () => { await post("/api/seen"); load(); };
for (const id of ["d-view", "d-zoom", "d-bg"]) {
  $(id).addEventListener("input", showImages);
  $(id).addEventListener("change", showImages);
}

load().catch((e) => message(e.message, true));
listen();
