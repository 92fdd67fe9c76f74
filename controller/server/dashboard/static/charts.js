// A Job's charts over its recent JobRuns (the API's ``jobs/{id}/charts``): Runs ended per minute,
// the share that succeeded, attempt duration percentiles. Drawn with uPlot, served with the
// dashboard (static/vendor/uplot).
import { api, h } from "./ui.js";

const HEIGHT = 180;

function chart(target, title, series, data, format) {
  const width = Math.max(280, Math.floor((target.clientWidth || 1200) / 3) - 16);
  const figure = h("figure", { class: "chart", role: "img", "aria-label": title }, h("figcaption", { text: title }));
  target.append(figure);
  // uPlot is the global its script (index.html) defines.
  new window.uPlot(
    {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, points: { size: 6 } }))],
      axes: [{}, { values: (_, ticks) => ticks.map(format), size: 56 }],
      scales: { x: { time: true } },
    },
    data,
    figure,
  );
}

const cache = { jobId: null, found: null, at: 0 };
const READ_EVERY_MS = 15_000;

export async function loadJobCharts(jobId) {
  // The figures cost the server a read of each recent JobRun's attempts: the Job page's polls
  // redraw them from what was read, and read them again every READ_EVERY_MS.
  if (cache.jobId !== jobId || Date.now() - cache.at >= READ_EVERY_MS) {
    Object.assign(cache, { jobId, found: await api(`/jobs/${encodeURIComponent(jobId)}/charts`), at: Date.now() });
  }
  const found = cache.found;
  const target = document.getElementById("job-charts");
  if (!target) return;
  const runs = found.jobRuns;
  if (runs.length < 1) {
    target.replaceChildren(h("p", { class: "muted", text: "No JobRun has started yet." }));
    return;
  }
  target.replaceChildren();
  const x = runs.map((r) => r.startedAt / 1000);
  chart(target, "Runs ended per minute", [["Runs/min", "#2457c5"]], [x, runs.map((r) => r.runsPerMinute)], (v) =>
    String(v),
  );
  chart(
    target,
    "Runs that succeeded (%)",
    [["succeeded %", "#1f7a3d"]],
    [x, runs.map((r) => (r.successRate === null ? null : Math.round(r.successRate * 1000) / 10))],
    (v) => `${v}%`,
  );
  chart(
    target,
    "Attempt duration (s): p50, p90, p99",
    [
      ["p50", "#1f7a3d"],
      ["p90", "#8a5a00"],
      ["p99", "#b3261e"],
    ],
    [
      x,
      ...["p50", "p90", "p99"].map((q) => runs.map((r) => (r.durationMs[q] === null ? null : r.durationMs[q] / 1000))),
    ],
    (v) => `${v}s`,
  );
  target.append(
    h("p", { class: "muted", text: `Each point is a JobRun (${runs.length} latest), placed at its start.` }),
  );
}
