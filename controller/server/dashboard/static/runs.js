// The JobRun and Run pages: live progress, the timeline, failures grouped, the Runs table paged by
// the server, bulk reruns and terminations, attempts.

import { loadTimeline, markRun } from "./timeline.js";
import {
  action,
  api,
  confirmed,
  duration,
  facts,
  failuresTable,
  h,
  poll,
  post,
  progressBar,
  refreshQuietly,
  request,
  samePath,
  show,
  state,
  status,
  table,
  waitingText,
  when,
} from "./ui.js";

const PAGE_SIZE = 20;
const runsView = { jobRunId: null, cursors: [null], page: 0, filter: {} };
const rates = { jobRunId: null, samples: [] };

function rateAndEta(p) {
  if (rates.jobRunId !== p.id) {
    rates.jobRunId = p.id;
    rates.samples = [];
  }
  const ended = p.succeeded + p.failed;
  rates.samples.push([Date.now(), ended]);
  rates.samples = rates.samples.slice(-15);
  const [t0, e0] = rates.samples[0];
  const seconds = (Date.now() - t0) / 1000;
  if (seconds < 1 || ended === e0) return ["–", "–"];
  const rate = (ended - e0) / seconds;
  const left = p.pending + p.running;
  return [`${rate.toFixed(2)} Runs/s`, left ? duration((left / rate) * 1000) : "–"];
}

export async function jobRunPage(jobRunId) {
  const jobRun = await api(`/dashboard/job-runs/${encodeURIComponent(jobRunId)}`);
  if (state.route !== "jobrun") return; // left while it loaded
  if (runsView.jobRunId !== jobRunId) Object.assign(runsView, { jobRunId, cursors: [null], page: 0, filter: {} });
  const p = jobRun.progress;
  const active = jobRun.active;
  const [rate, eta] = active ? rateAndEta(p) : ["–", "–"];
  show(
    h("h1", {}, "JobRun ", h("code", { text: jobRun.id })),
    h(
      "div",
      { class: "actions" },
      active ? action("Terminate", () => post(`/jobs/${jobRun.job_id}/runs/${jobRun.id}/terminate`)) : null,
      p.failed > 0
        ? action("Rerun failed Runs", async () => {
            const made = await post(`/job-runs/${jobRun.id}/rerun`, { runs: "failed" });
            location.hash = `#/job-runs/${made.jobRunId}`;
          })
        : null,
      action("Rerun selected Runs", async () => {
        const runs = [...document.querySelectorAll("#runs input[type=checkbox]:checked")].map((c) => c.value);
        if (!runs.length) throw new Error("select Runs to rerun first");
        const made = await post(`/job-runs/${jobRun.id}/rerun`, { runs });
        location.hash = `#/job-runs/${made.jobRunId}`;
      }),
      h("a", { href: jobRun.results_url, download: "" }, "Download results (JSONL)"),
    ),
    facts([
      ["Job", h("a", { href: `#/jobs/${encodeURIComponent(jobRun.job_id)}`, text: jobRun.job_id })],
      ["Status", status(jobRun.status)],
      ["Type", jobRun.type],
      ["Scheduled for", jobRun.scheduled_time ? when(jobRun.scheduled_time) : null],
      ["Reason", jobRun.reason?.message],
      ["Error", jobRun.error?.message],
      ["Waiting for", waitingText(p.waitingFor)],
      [
        "Rerun of",
        jobRun.rerunOf
          ? h(
              "span",
              {},
              h("a", { href: `#/job-runs/${jobRun.rerunOf.jobRunId}`, text: jobRun.rerunOf.jobRunId }),
              ` (${jobRun.rerunOf.runIds.length} Run(s))`,
            )
          : null,
      ],
      ["Started", when(jobRun.start_time)],
      ["Ended", when(jobRun.end_time)],
      ["Progress", progressBar(p)],
      [
        "Counts",
        h("span", {
          id: "counts",
          text:
            `${p.pending} pending, ${p.running} running, ` +
            `${p.succeeded} succeeded, ${p.failed} failed, ${p.terminated} terminated (of ${p.payloads})`,
        }),
      ],
      ["Rate", rate],
      ["ETA", eta],
    ]),
    h("h2", { text: "Timeline" }),
    h("div", { id: "timeline" }, h("p", { class: "muted", text: "Loading the timeline…" })),
    p.failed > 0 ? h("h2", { text: "Failures" }) : null,
    p.failed > 0 ? h("div", { id: "failures" }, h("p", { class: "muted", text: "Loading failures…" })) : null,
    h("h2", { text: "Runs" }),
    runFilters(jobRun.id, active),
    h("div", { id: "runs" }, h("p", { class: "muted", text: "Loading Runs…" })),
  );
  await Promise.all([loadRuns(), loadTimeline(jobRun.id), p.failed > 0 ? loadFailures(jobRun.id) : null]);
  if (active)
    poll(async () => {
      if (state.route === "jobrun") await refreshQuietly(() => jobRunPage(jobRunId));
    });
}

function rerunMatching(jobRunId, filterOf, label, ariaLabel, what) {
  // Every Run that matches the filter (as it is when asked) into a new JobRun, after saying
  // how many there are.
  return confirmed(label, {
    ariaLabel,
    count: async () => (await post(`/job-runs/${jobRunId}/rerun`, { filter: filterOf(), dryRun: true })).count,
    describe: (n) => (n ? `Rerun ${n} Run(s) ${what}?` : `No Run ${what}.`),
    run: async () => {
      const made = await post(`/job-runs/${jobRunId}/rerun`, { filter: filterOf() });
      location.hash = `#/job-runs/${made.jobRunId}`;
    },
  });
}

function terminateMatching(jobRunId, filterOf) {
  // Every unfinished Run that matches the filter ends; the JobRun goes on with the others.
  const path = `/job-runs/${jobRunId}/runs/terminate`;
  return confirmed("Terminate matching…", {
    ariaLabel: "Terminate every matching Run",
    count: async () => (await post(path, { filter: filterOf(), dryRun: true })).count,
    describe: (n) =>
      n ? `Terminate ${n} unfinished Run(s) that match the filter?` : "No unfinished Run matches the filter.",
    run: () => post(path, { filter: filterOf() }), // the page is drawn again with their ends
  });
}

function showRuns(filter) {
  // The Runs table filtered as asked, its form showing the filter.
  runsView.filter = { status: null, api: null, errorCode: null, search: null, ...filter };
  Object.assign(runsView, { cursors: [null], page: 0 });
  const inputs = {
    "filter-status": "status",
    "filter-api": "api",
    "filter-error": "errorCode",
    "filter-search": "search",
  };
  for (const [id, key] of Object.entries(inputs)) {
    const input = document.getElementById(id);
    if (input) input.value = runsView.filter[key] || "";
  }
  document.getElementById("runs")?.scrollIntoView();
  return loadRuns();
}

async function loadFailures(jobRunId) {
  // Failed Runs grouped by error code and message shape, the latest failure first.
  const found = await api(`/job-runs/${jobRunId}/failures`);
  const target = document.getElementById("failures");
  if (!target) return;
  target.replaceChildren(
    failuresTable(found, "Actions", (g) =>
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            "aria-label": `Show Runs that failed with ${g.errorCode}`,
            onclick: () => showRuns({ status: "FAILED", errorCode: g.errorCode }),
          },
          "Show Runs",
        ),
        rerunMatching(
          jobRunId,
          () => ({ status: "FAILED", errorCode: g.errorCode }),
          "Rerun…",
          `Rerun Runs that failed with ${g.errorCode}`,
          `that failed with ${g.errorCode}`,
        ),
      ),
    ),
  );
}

function runFilters(jobRunId, active) {
  const f = runsView.filter;
  const statusSelect = h(
    "select",
    { id: "filter-status" },
    ["", "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TERMINATED"].map((s) =>
      h("option", { value: s, selected: (f.status || "") === s, text: s || "any" }),
    ),
  );
  const field = (id, label, value) => [
    h("label", { for: id, text: label }),
    h("input", { id, type: "search", value: value || "", size: 14, class: "filter" }),
  ];
  return h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter Runs",
      onsubmit: (event) => {
        event.preventDefault();
        runsView.filter = {
          status: statusSelect.value || null,
          api: document.getElementById("filter-api").value.trim() || null,
          errorCode: document.getElementById("filter-error").value.trim() || null,
          search: document.getElementById("filter-search").value.trim() || null,
        };
        runsView.cursors = [null];
        runsView.page = 0;
        loadRuns();
      },
    },
    h("label", { for: "filter-status", text: "Status" }),
    statusSelect,
    field("filter-api", "API", f.api),
    field("filter-error", "Error code", f.errorCode),
    field("filter-search", "Parameters contain", f.search),
    h("button", { type: "submit" }, "Filter"),
    rerunMatching(
      jobRunId,
      () => runsView.filter,
      "Rerun matching…",
      "Rerun every matching Run",
      "that match the filter",
    ),
    active ? terminateMatching(jobRunId, () => runsView.filter) : null,
  );
}

async function loadRuns() {
  const params = new URLSearchParams({ limit: PAGE_SIZE });
  for (const [k, v] of Object.entries(runsView.filter)) if (v) params.set(k, v);
  const cursor = runsView.cursors[runsView.page];
  if (cursor) params.set("cursor", cursor);
  const page = await api(`/job-runs/${runsView.jobRunId}/runs?${params}`);
  runsView.cursors[runsView.page + 1] = page.nextCursor;
  const rows = page.runs.map((run) =>
    h(
      "tr",
      {
        "data-run": run.id,
        onmouseenter: () => markRun(run.id, true),
        onmouseleave: () => markRun(run.id, false),
      },
      h("td", {}, h("input", { type: "checkbox", value: run.id, "aria-label": `Select ${run.id}` })),
      h("td", {}, h("a", { href: `#/job-runs/${runsView.jobRunId}/runs/${run.id}`, text: run.id })),
      h("td", { text: run.api }),
      h(
        "td",
        {},
        status(run.status),
        run.waitingFor ? h("div", { class: "muted", text: `waiting: ${run.waitingFor.reason}` }) : null,
      ),
      h("td", { class: "num", text: run.attempts }),
      h("td", {}, h("code", { text: JSON.stringify(run.parameters) })),
      h("td", { class: "wrap", text: run.error ? `${run.error.code}: ${run.error.message}` : run.resultPreview || "" }),
    ),
  );
  const first = runsView.page * PAGE_SIZE + 1;
  const where = page.runs.length ? `Runs ${first}–${first + page.runs.length - 1}` : "No Runs match.";
  const target = document.getElementById("runs");
  if (!target) return;
  target.replaceChildren(
    table(["Select", "Run", "API", "Status", "Attempts#", "Parameters", "Result or error"], rows, where),
    h(
      "nav",
      { class: "actions", "aria-label": "Runs pages" },
      h(
        "button",
        {
          type: "button",
          disabled: runsView.page === 0,
          onclick: () => {
            runsView.page -= 1;
            loadRuns();
          },
        },
        "Previous page",
      ),
      h("span", { class: "muted", text: `Page ${runsView.page + 1}` }),
      h(
        "button",
        {
          type: "button",
          disabled: !page.nextCursor,
          onclick: () => {
            runsView.page += 1;
            loadRuns();
          },
        },
        "Next page",
      ),
    ),
  );
}

let following = null;

function liveLog(jobRunId, runId) {
  // The running attempt's log as it is written (server-sent events); when it ends, the page is
  // drawn again with the attempt's outcome.
  following?.close();
  const out = h("pre", { id: "live-log", tabindex: "0", "aria-label": "Live log", text: "" });
  const where = location.hash;
  following = new EventSource(`${state.base}/job-runs/${jobRunId}/runs/${runId}/log`);
  following.onmessage = (event) => {
    if (location.hash !== where) following.close();
    else out.textContent += event.data;
  };
  following.addEventListener("end", () => {
    following.close();
    if (location.hash === where) state.render();
  });
  return h("section", { "aria-label": "Live log" }, h("h2", { text: "Live log" }), out);
}

export async function runPage(jobRunId, runId) {
  const detail = await api(`/job-runs/${encodeURIComponent(jobRunId)}/runs/${encodeURIComponent(runId)}`);
  if (state.route !== "run") return;
  const run = detail.run;
  following?.close();
  const logView = h("section", { id: "log", "aria-label": "Attempt log" });
  const attempts = detail.attempts.map((a) => {
    const trace = samePath(a.traceUrl);
    const log = samePath(a.logUrl);
    const viewer = trace ? `/trace/index.html?trace=${encodeURIComponent(location.origin + trace)}` : null;
    return h(
      "tr",
      {},
      h("td", { class: "num", text: a.number }),
      h("td", {}, status(a.outcome)),
      h("td", { text: a.error ? `${a.error.code} (${a.error.category}): ${a.error.message}` : "" }),
      h("td", { text: when(a.startedAt) }),
      h("td", { class: "num", text: duration(a.durationMs) }),
      h(
        "td",
        {},
        h(
          "div",
          { class: "actions" },
          log
            ? h(
                "button",
                {
                  type: "button",
                  "aria-label": `View log of attempt ${a.number}`,
                  onclick: async () => {
                    const text = await (await request(log)).text();
                    logView.replaceChildren(
                      h("h2", { text: `Log of attempt ${a.number}` }),
                      h("pre", { tabindex: "0", text: text || "(empty)" }),
                    );
                    logView.querySelector("pre").focus();
                  },
                },
                "View log",
              )
            : null,
          log ? h("a", { href: log, download: "" }, "Download log") : null,
          viewer ? h("a", { href: viewer, target: "_blank", rel: "noopener" }, "Open trace") : null,
          trace ? h("a", { href: trace, download: "" }, "Download trace") : null,
        ),
      ),
    );
  });
  show(
    h("h1", {}, "Run ", h("code", { text: run.id })),
    runFacts(jobRunId, run),
    h("h2", { text: "Parameters" }),
    h("pre", { tabindex: "0", "aria-label": "Parameters", text: JSON.stringify(run.parameters, null, 2) }),
    run.attributes ? h("h2", { text: "Attributes" }) : null,
    run.attributes ? facts(Object.entries(run.attributes).map(([k, v]) => [k, String(v)])) : null,
    h("h2", { text: run.error ? "Error" : "Result" }),
    h("pre", {
      tabindex: "0",
      "aria-label": run.error ? "Error" : "Result",
      text: JSON.stringify(run.error || run.result, null, 2) ?? "null",
    }),
    run.status === "RUNNING" ? liveLog(jobRunId, runId) : null,
    h("h2", { text: "Attempts" }),
    detail.attempts.length
      ? table(["#", "Outcome", "Error", "Started", "Duration#", "Trace and log"], attempts)
      : h("p", { class: "muted", text: "No attempt has ended yet." }),
    logView,
  );
  if (run.status === "PENDING" || run.status === "RUNNING") pollRunFacts(jobRunId, runId, run.status);
}

function runFacts(jobRunId, run) {
  return h(
    "div",
    { id: "run-facts" },
    facts([
      ["JobRun", h("a", { href: `#/job-runs/${jobRunId}`, text: jobRunId })],
      ["API", run.api],
      ["Status", status(run.status)],
      ["Attempts", String(run.attempts)],
      ["Reason", run.reason?.message],
      ["Waiting for", waitingText(run.waitingFor)],
      ["Extended from", run.extendedFrom],
      ["Started", when(run.startedAt)],
      ["Ended", when(run.endedAt)],
    ]),
  );
}

function pollRunFacts(jobRunId, runId, drawnAs) {
  // While the Run waits or runs, its facts follow it (the live log streams on); once its status
  // changes, the whole page is drawn again.
  poll(async () => {
    if (state.route !== "run") return;
    const { run } = await api(`/job-runs/${encodeURIComponent(jobRunId)}/runs/${encodeURIComponent(runId)}`);
    if (run.status !== drawnAs)
      state.render(); // queued after this poll, whose timer it replaces
    else document.getElementById("run-facts")?.replaceWith(runFacts(jobRunId, run));
  });
}
