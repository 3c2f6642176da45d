// autoresearch dashboard. Every piece of text that comes from the data
// (descriptions, code, excerpts) is set with textContent, never as HTML.
"use strict";

const body = document.body;
const task = body.dataset.task;
const pageSize = 100;
let sortKey = "seq", sortDesc = true, offset = 0, total = 0, chart = null;
let pts = { seq: [], mean: [], best: [] }, settled = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fmt(v, d = 4) { return v === null || v === undefined ? "–" : Number(v).toFixed(d); }

async function fillTasks() {
  const sel = document.getElementById("task-switcher");
  try {
    const tasks = await (await fetch("/api/tasks")).json();
    sel.replaceChildren(...(tasks.includes(task) ? tasks : [task, ...tasks]).map(t => { const o = el("option", t); o.value = t; o.selected = t === task; return o; }));
  } catch (e) { /* keep the current task only */ }
  sel.addEventListener("change", () => { location.href = "/tasks/" + encodeURIComponent(sel.value); });
}

function renderStats(s) {
  const set = (id, v) => { document.getElementById(id).textContent = v; };
  set("stat-experiments", s.experiments); set("stat-kept", s.kept); set("stat-failed", s.failed);
  set("stat-best", fmt(s.best) + (s.best !== null && !s.best_sealed ? " (unsealed)" : "")); set("stat-delta", s.delta === null ? "–" : (s.delta > 0 ? "+" : "") + fmt(s.delta));
  set("stat-spent", "$" + fmt(s.spent_usd)); set("stat-rate", fmt(s.per_hour, 1));
  set("stat-noise", s.noise_std === null ? "–" : "±" + fmt(s.noise_std) + " (" + s.noise_df + " df)");
}

function renderTable(sum) {
  total = sum.total;
  const tbody = document.querySelector("#experiments tbody");
  tbody.replaceChildren(...sum.rows.map(r => {
    const tr = el("tr");
    if (r.seq === sum.best_seq) tr.className = "best";
    const link = el("a", "#" + r.seq);
    link.href = "/tasks/" + encodeURIComponent(task) + "/experiments/" + r.seq;
    const num = el("td"); num.append(link);
    const status = r.status === "failed" ? "failed: " + r.failure : r.more_seeds ? "running: more seeds" : r.status;
    const secs = r.status === "running" ? (Date.now() - Date.parse(r.created_at)) / 1000 : r.duration_s;
    const metric = el("td", r.mean === null ? "–" : fmt(r.mean) + (r.std ? " ± " + fmt(r.std) : ""));
    if (r.unsealed) metric.append(" ", el("span", "unsealed", "unsealed"));
    tr.append(num, el("td", r.parent === null ? "–" : "#" + r.parent), el("td", status, "status " + r.status),
      metric, el("td", r.category), el("td", r.mode),
      el("td", r.description), el("td", "$" + fmt(r.cost_usd)), el("td", Math.max(0, Math.round(secs)) + "s"));
    return tr;
  }));
  document.getElementById("page-info").textContent = total ? (offset + 1) + "–" + (offset + sum.rows.length) + " of " + total : "";
  document.getElementById("page-prev").disabled = offset === 0;
  document.getElementById("page-next").disabled = offset + pageSize >= total;
}

// mergePoints keeps the points up to the settled number asked from and
// appends the ones the server sent after it.
function mergePoints(p, asked) {
  if (pts.direction && p.direction !== pts.direction) { // ranked another way now: ask for every point again
    pts = { seq: [], mean: [], best: [] }; settled = 0;
    return true;
  }
  let cut = pts.seq.length;
  while (cut > 0 && pts.seq[cut - 1] > asked) cut--;
  const changed = cut !== pts.seq.length || p.seq.length > 0;
  if (changed) {
    pts = { seq: pts.seq.slice(0, cut).concat(p.seq), mean: pts.mean.slice(0, cut).concat(p.mean),
      best: pts.best.slice(0, cut).concat(p.best), direction: p.direction };
  }
  settled = p.settled;
  return changed;
}

// renderChart draws the metric of every experiment and the server's
// best-so-far line (the store's goal decides which way is better).
function renderChart(metric) {
  const data = [pts.seq, pts.mean, pts.best];
  const holder = document.getElementById("chart");
  if (!pts.seq.length) {
    if (chart) { chart.destroy(); chart = null; }
    holder.textContent = "No experiment has a metric yet.";
    return;
  }
  if (chart) { chart.setData(data); return; }
  holder.textContent = "";
  chart = new uPlot({ width: Math.min(1150, holder.clientWidth || 1150), height: 300, scales: { x: { time: false } },
    series: [{ label: "#" }, { label: metric, stroke: "#7a8ca5", width: 0, points: { show: true, size: 6, fill: "#7a8ca5" } },
      { label: "best so far", stroke: "#2f8f5b", width: 2 }] }, data, holder);
}

// renderRunning draws one live loss chart per running experiment.
function renderRunning(live) {
  const list = document.getElementById("running-list");
  if (!live.length) { list.replaceChildren(el("p", "Nothing is running.", "muted")); return; }
  const byExp = new Map();
  live.forEach(s => { if (!byExp.has(s.experiment_seq)) byExp.set(s.experiment_seq, []); byExp.get(s.experiment_seq).push(s); });
  list.replaceChildren(...[...byExp].map(([seq, seeds]) => {
    const box = el("div", null, "running-experiment");
    box.append(el("h3", "#" + seq + " · " + seeds.map(s => "seed " + s.seed + " " + s.phase + (s.place ? " on " + s.place : "")).join(", ")));
    const holder = el("div", null, "chart running-chart");
    box.append(holder);
    setTimeout(() => drawCurves(holder, seeds), 0);
    return box;
  }));
}

function drawCurves(holder, seeds) {
  seeds = seeds.filter(s => s.loss && s.loss.length);
  if (!seeds.length) { holder.textContent = "No loss logged yet."; return; }
  const steps = [...new Set(seeds.flatMap(s => s.loss.map(p => p.step)))].sort((a, b) => a - b);
  const series = seeds.map(s => { const m = new Map(s.loss.map(p => [p.step, p.loss])); return steps.map(x => m.has(x) ? m.get(x) : null); });
  const colors = ["#2f6fb0", "#c0504d", "#4f9a6b", "#8a5a00"];
  new uPlot({ width: Math.min(1150, holder.clientWidth || 1150), height: 260, scales: { x: { time: false } },
    series: [{ label: "step" }, ...seeds.map((s, i) => ({ label: "seed " + s.seed, stroke: colors[i % 4], width: 2, spanGaps: true }))] },
    [steps, ...series], holder);
}

async function getJSON(url) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(url + ": " + resp.status);
  return resp.json();
}

let landscapeAt = -1, landscapeBusy = false;

// refreshLandscape asks for what the optimisers know once more experiments
// have finished than when it last asked (measuring it takes seconds).
async function refreshLandscape(s, metric) {
  const finished = s.experiments - s.running, holder = document.getElementById("landscape-body");
  if (finished === landscapeAt || landscapeBusy) return;
  landscapeBusy = true;
  try {
    drawLandscape(holder, await getJSON("/api/tasks/" + encodeURIComponent(task) + "/landscape"), metric);
  } catch (e) {
    holder.replaceChildren(el("p", "Cannot show it: " + e.message, "muted"));
  } finally {
    landscapeAt = finished; landscapeBusy = false;
  }
}

async function refresh() {
  try {
    const base = "/api/tasks/" + encodeURIComponent(task), asked = settled;
    const q = "?sort=" + sortKey + "&desc=" + (sortDesc ? 1 : 0) + "&offset=" + offset + "&limit=" + pageSize;
    const [sum, p, live] = await Promise.all([getJSON(base + "/experiments" + q), getJSON(base + "/points?after=" + asked),
      getJSON(base + "/running")]);
    renderStats(sum.stats); renderTable(sum);
    if (mergePoints(p, asked) || !chart) renderChart(sum.metric);
    renderRunning(live);
    refreshLandscape(sum.stats, sum.metric);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the server; retrying";
  }
}

function taskPage() {
  document.querySelectorAll("#experiments th[data-key]").forEach(th => th.addEventListener("click", () => {
    sortDesc = sortKey === th.dataset.key ? !sortDesc : true; sortKey = th.dataset.key; offset = 0; refresh();
  }));
  document.getElementById("page-prev").addEventListener("click", () => { offset = Math.max(0, offset - pageSize); refresh(); });
  document.getElementById("page-next").addEventListener("click", () => { if (offset + pageSize < total) { offset += pageSize; refresh(); } });
  refresh();
  setInterval(refresh, 1000);
}

function lossChart() {
  const holder = document.getElementById("loss-chart");
  drawCurves(holder, JSON.parse(holder.dataset.curves || "[]"));
}

fillTasks();
if (document.getElementById("task-page")) taskPage();
if (document.getElementById("experiment-page")) { lossChart(); window.hljs.highlightElement(document.getElementById("code")); }
