// A JobRun's attempts on a time axis (the API's ``timeline``): each attempt a bar in the lane of
// the worker slot it held, coloured by outcome, or past 2,000 attempts their counts in slices of
// the JobRun's time. Synced with the Runs table: hover a bar and its Run's row is marked, hover a
// row and its bars are; click a bar to open its Run. Zoomed by buttons, kept across redraws.
import { api, h } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = { succeeded: "#3f9b5c", failed: "#d0473e", running: "#e0a526" };
const OTHER = "#9aa3b2";
const AXIS_PX = 18;
const SLICES_EVERY_MS = 10_000;
const view = { jobRunId: null, zoom: 1, centre: 0.5, last: null, at: 0 };

function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

function windowOf(t) {
  // The part of [start, end] shown at the current zoom, as [from, to] in epoch ms.
  const span = (t.end - t.start) / view.zoom;
  const centre = t.start + view.centre * (t.end - t.start);
  const from = Math.min(Math.max(centre - span / 2, t.start), t.end - span);
  return [from, from + span];
}

export function markRun(runId, on) {
  // The Run's row and bars, marked (or not): what the table and the timeline share.
  for (const node of document.querySelectorAll(`[data-run="${CSS.escape(runId)}"]`)) node.classList.toggle("hl", on);
}

function axis(from, to, width, y) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const x = Math.round(f * (width - 1));
    const anchor = f === 0 ? "start" : f === 1 ? "end" : "middle";
    return s(
      "text",
      { x, y: y + 13, "text-anchor": anchor, class: "tick" },
      document.createTextNode(clock(from + f * (to - from))),
    );
  });
  return [s("line", { x1: 0, x2: width, y1: y, y2: y, class: "axis" }), ...ticks];
}

function barsChart(t, width) {
  const [from, to] = windowOf(t);
  const lanes = Math.max(1, ...t.bars.map((b) => b.lane + 1));
  const lanePx = Math.max(3, Math.min(14, Math.floor(320 / lanes)));
  const height = lanes * lanePx;
  const x = (ms) => ((ms - from) / (to - from)) * width;
  const now = t.end;
  const rects = t.bars
    .filter((b) => (b.end ?? now) >= from && b.start <= to)
    .map((b) => {
      const left = Math.max(0, x(b.start));
      const right = Math.min(width, x(b.end ?? now));
      const label = `${b.runId} attempt ${b.attempt}: ${b.outcome}, ${clock(b.start)}–${b.end ? clock(b.end) : "now"}`;
      return s(
        "rect",
        {
          x: left,
          y: b.lane * lanePx + 1,
          width: Math.max(1.5, right - left),
          height: lanePx - 2,
          fill: COLOURS[b.outcome] || OTHER,
          "data-run": b.runId,
          onmouseenter: () => markRun(b.runId, true),
          onmouseleave: () => markRun(b.runId, false),
          onclick: () => {
            location.hash = `#/job-runs/${view.jobRunId}/runs/${b.runId}`;
          },
        },
        s("title", {}, document.createTextNode(label)),
      );
    });
  return { height, nodes: rects };
}

function slicesChart(t, width) {
  const [from, to] = windowOf(t);
  const shown = t.slices.filter((c) => c.end > from && c.start < to);
  const totals = shown.map((c) => Object.values(c.counts).reduce((a, b) => a + b, 0));
  const most = Math.max(1, ...totals);
  const height = 160;
  const x = (ms) => ((ms - from) / (to - from)) * width;
  const nodes = shown.flatMap((c, i) => {
    let y = height;
    const left = Math.max(0, x(c.start));
    const w = Math.max(1, Math.min(width, x(c.end)) - left - 1);
    return Object.entries(c.counts).map(([outcome, n]) => {
      const barHeight = (n / most) * height;
      y -= barHeight;
      return s(
        "rect",
        { x: left, y, width: w, height: barHeight, fill: COLOURS[outcome] || OTHER },
        s("title", {}, document.createTextNode(`${clock(c.start)}–${clock(c.end)}: ${n} ${outcome} (of ${totals[i]})`)),
      );
    });
  });
  return { height, nodes };
}

function draw(t, target) {
  const width = Math.max(300, target.clientWidth || 1000);
  const chart = t.bars ? barsChart(t, width) : slicesChart(t, width);
  const [from, to] = windowOf(t);
  const what = t.bars
    ? `${t.attempts} attempt(s) in ${Math.max(1, ...t.bars.map((b) => b.lane + 1))} worker slot(s)`
    : `${t.attempts} attempts counted in ${t.slices.length} slices`;
  const zoom = (factor) => () => {
    view.zoom = Math.min(64, Math.max(1, view.zoom * factor));
    draw(t, target);
  };
  const pan = (by) => () => {
    view.centre = Math.min(1, Math.max(0, view.centre + by / view.zoom));
    draw(t, target);
  };
  target.replaceChildren(
    h(
      "div",
      { class: "actions", role: "toolbar", "aria-label": "Timeline zoom" },
      h("button", { type: "button", onclick: zoom(2) }, "Zoom in"),
      h("button", { type: "button", onclick: zoom(0.5), disabled: view.zoom === 1 }, "Zoom out"),
      h("button", { type: "button", onclick: pan(-0.25), disabled: view.zoom === 1 }, "Earlier"),
      h("button", { type: "button", onclick: pan(0.25), disabled: view.zoom === 1 }, "Later"),
      h("span", { class: "muted", text: `${what}; ${clock(from)}–${clock(to)} UTC, ×${view.zoom}` }),
    ),
    s(
      "svg",
      {
        width,
        height: chart.height + AXIS_PX + 4,
        role: "img",
        "aria-label": `Timeline: ${what}`,
        class: "timeline",
      },
      chart.nodes,
      axis(from, to, width, chart.height + 2),
    ),
    h(
      "p",
      { class: "legend muted" },
      Object.entries({ ...COLOURS, other: OTHER }).map(([name, colour]) =>
        h("span", {}, h("span", { class: "swatch", style: `background:${colour}` }), ` ${name} `),
      ),
    ),
  );
}

export async function loadTimeline(jobRunId) {
  // A large JobRun's slices cost the server a pass over its Runs: while it runs, they are read
  // again every SLICES_EVERY_MS, not at every poll of the page.
  if (view.jobRunId !== jobRunId) Object.assign(view, { jobRunId, zoom: 1, centre: 0.5, last: null, at: 0 });
  if (!view.last?.slices || Date.now() - view.at >= SLICES_EVERY_MS) {
    view.last = await api(`/job-runs/${encodeURIComponent(jobRunId)}/timeline`);
    view.at = Date.now();
  }
  const target = document.getElementById("timeline");
  if (target) draw(view.last, target);
}
