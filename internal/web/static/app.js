// autoresearch dashboard. Every piece of text that comes from the data
// (descriptions, code, excerpts) is set with textContent, never as HTML.
"use strict";

const body = document.body;
const task = body.dataset.task;
let sortKey = "seq", sortDesc = true, chart = null;

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
  set("stat-best", fmt(s.best)); set("stat-delta", s.delta === null ? "–" : (s.delta > 0 ? "+" : "") + fmt(s.delta));
  set("stat-spent", "$" + fmt(s.spent_usd)); set("stat-rate", fmt(s.per_hour, 1));
}

function renderTable(sum) {
  const rows = [...sum.rows].sort((a, b) => {
    const x = a[sortKey] ?? -Infinity, y = b[sortKey] ?? -Infinity;
    const c = typeof x === "string" ? x.localeCompare(y) : x - y;
    return sortDesc ? -c : c;
  });
  const tbody = document.querySelector("#experiments tbody");
  tbody.replaceChildren(...rows.map(r => {
    const tr = el("tr");
    if (r.seq === sum.best_seq) tr.className = "best";
    const link = el("a", "#" + r.seq);
    link.href = "/tasks/" + encodeURIComponent(task) + "/experiments/" + r.seq;
    const num = el("td"); num.append(link);
    const status = r.status === "failed" ? "failed: " + r.failure : r.status;
    tr.append(num, el("td", r.parent === null ? "–" : "#" + r.parent), el("td", status, "status " + r.status),
      el("td", r.mean === null ? "–" : fmt(r.mean) + (r.std ? " ± " + fmt(r.std) : "")), el("td", r.category), el("td", r.mode),
      el("td", r.description), el("td", "$" + fmt(r.cost_usd)), el("td", Math.round(r.duration_s) + "s"));
    return tr;
  }));
}

function renderChart(sum) {
  const pts = sum.rows.filter(r => r.mean !== null).sort((a, b) => a.seq - b.seq);
  const better = sum.direction === "maximize" ? (a, b) => a > b : (a, b) => a < b;
  let best = null;
  const bestLine = pts.map(r => { if (r.status === "kept" && (best === null || better(r.mean, best))) best = r.mean; return best; });
  const data = [pts.map(r => r.seq), pts.map(r => r.mean), bestLine];
  const holder = document.getElementById("chart");
  if (!pts.length) { holder.textContent = "No experiment has a metric yet."; return; }
  if (chart) { chart.setData(data); return; }
  holder.textContent = "";
  chart = new uPlot({ width: Math.min(1150, holder.clientWidth || 1150), height: 300, scales: { x: { time: false } },
    series: [{ label: "#" }, { label: sum.metric, stroke: "#7a8ca5", width: 0, points: { show: true, size: 6, fill: "#7a8ca5" } },
      { label: "best so far", stroke: "#2f8f5b", width: 2 }] }, data, holder);
}

// renderRunning draws one live loss chart per running experiment.
function renderRunning(live) {
  const list = document.getElementById("running-list");
  if (!live.length) { list.replaceChildren(el("p", "Nothing is running.", "muted")); return; }
  const byExp = new Map();
  live.forEach(s => { if (!byExp.has(s.experiment)) byExp.set(s.experiment, []); byExp.get(s.experiment).push(s); });
  list.replaceChildren(...[...byExp].map(([seq, seeds]) => {
    const box = el("div", null, "running-experiment");
    box.append(el("h3", "#" + seq + " · " + seeds.map(s => "seed " + s.seed + " " + s.phase).join(", ")));
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

async function refresh() {
  try {
    const base = "/api/tasks/" + encodeURIComponent(task);
    const [sum, live] = await Promise.all([(await fetch(base + "/experiments")).json(), (await fetch(base + "/running")).json()]);
    renderStats(sum.stats); renderTable(sum); renderChart(sum); renderRunning(live);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the server; retrying";
  }
}

function taskPage() {
  document.querySelectorAll("#experiments th").forEach(th => th.addEventListener("click", () => {
    sortDesc = sortKey === th.dataset.key ? !sortDesc : true; sortKey = th.dataset.key; refresh();
  }));
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
