// drawLandscape draws what the model-based optimisers know (a
// research.Landscape as JSON) into holder: what it covers, each declared
// parameter's importance as a bar, and per parameter a slice of the metric
// against its value (the best's point green, runs broken by their settings
// red, at the worst metric, as the optimisers count them). Shared by the
// report (inline) and the dashboard (/static/landscape.js); every text is
// set with textContent.
"use strict";

function landscapeNode(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null) n.textContent = String(text);
  return n;
}

function drawLandscape(holder, ls, metric) {
  holder.replaceChildren();
  if (!ls) { holder.append(landscapeNode("p", "muted", "No experiment has been kept yet.")); return; }
  if (ls.params && ls.params.length) {
    let line = "The declared search space of the best (#" + ls.best + ") across the " + ls.points + " finished experiments of its structure";
    if (ls.failed) line += ", " + ls.failed + " of them broken by their settings (red, at the worst " + metric + ", as the optimisers count them)";
    holder.append(landscapeNode("p", "landscape-summary", line + (ls.method ? ". Importance by " + ls.method + ": each parameter's share of the metric's variance." : ".")));
  }
  if (ls.note) holder.append(landscapeNode("p", "muted landscape-note", ls.note));
  if (!ls.params || !ls.params.length) return;
  holder.append(importanceTable(ls.params));
  const grid = landscapeNode("div", "slices");
  holder.append(grid);
  ls.params.forEach(s => {
    const box = landscapeNode("div", "slice");
    box.dataset.param = s.name;
    grid.append(box);
    drawSlice(box, s, ls.best, metric);
  });
}

function importanceTable(params) {
  const table = landscapeNode("table", "importance");
  params.forEach(s => {
    const share = s.importance === null || s.importance === undefined ? null : s.importance;
    const bar = landscapeNode("div", "bar ok"), fill = landscapeNode("span");
    fill.style.width = (share === null ? 0 : 100 * share).toFixed(1) + "%";
    bar.append(fill);
    const cell = landscapeNode("td", "bar-cell");
    cell.append(bar);
    const tr = landscapeNode("tr");
    tr.append(landscapeNode("td", "", s.name + " (" + s.kind + ")"),
      landscapeNode("td", "num", share === null ? "–" : (100 * share).toFixed(1) + " %"), cell);
    table.append(tr);
  });
  return table;
}

// drawSlice plots one parameter's points, in order of value.
function drawSlice(box, s, best, metric) {
  if (!s.value || !s.value.length) { box.append(landscapeNode("p", "muted", s.name + ": no points")); return; }
  const order = s.value.map((_, i) => i).sort((a, b) => s.value[a] - s.value[b]);
  const xs = [], plain = [], broken = [], top = [];
  order.forEach(i => {
    const isBest = s.seq[i] === best;
    xs.push(s.value[i]);
    plain.push(s.broken[i] || isBest ? null : s.metric[i]);
    broken.push(s.broken[i] ? s.metric[i] : null);
    top.push(isBest ? s.metric[i] : null);
  });
  const dots = (label, color, size) => ({ label, stroke: color, width: 0, points: { show: true, size, fill: color } });
  new uPlot({ width: 340, height: 220, title: s.name, legend: { show: false },
    scales: { x: { time: false, distr: s.kind === "log" ? 3 : 1 } }, axes: [{ values: (u, splits) => splits.map(tick) }, {}],
    series: [{ label: s.name }, dots(metric, "#7a8ca5", 5), dots("broken", "#c0504d", 5), dots("best (#" + best + ")", "#2f8f5b", 9)] },
  [xs, plain, broken, top], box);
}

// tick labels a value on a slice's axis: small ones as powers of ten.
function tick(v) {
  if (v === null || v === undefined) return "";
  return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(0) : String(+v.toPrecision(3));
}
