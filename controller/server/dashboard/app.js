// jobctl dashboard: reads the controller's REST API from this origin; no dependencies.
// Every value from the API is put in the page as text (textContent), never as HTML.
"use strict";

const POLL_MS = 2000;
const PAGE_SIZE = 20;
const state = { base: null, timer: null, route: null };

// ------------------------------------------------------------------ helpers
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function request(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new ApiFailure(response.status, message);
  }
  return response.status === 204 ? null : response;
}

async function api(path, options) {
  const response = await request(state.base + path, options);
  return response === null ? null : response.json();
}

function post(path, body) {
  const options = { method: "POST" };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  return api(path, options);
}

function when(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/Z$/, " UTC");
}

function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function status(value) {
  return h("span", { class: `status ${value || ""}`, text: value || "–" });
}

function progressBar(p) {
  const total = Math.max(p.payloads, 1);
  const part = (name, count) =>
    count > 0 ? h("span", { class: name, style: `width:${(100 * count) / total}%` }) : null;
  const label = `${p.succeeded} succeeded, ${p.failed} failed, ${p.running} running, ` +
    `${p.pending} pending of ${p.payloads}`;
  return h("div", { class: "bar", role: "img", "aria-label": label, title: label },
    part("succeeded", p.succeeded), part("failed", p.failed),
    part("running", p.running), part("terminated", p.terminated));
}

function counts(p) {
  return `${p.succeeded}/${p.payloads} succeeded, ${p.failed} failed`;
}

function waitingText(w) {
  if (!w) return null;
  return `${w.reason}${w.position ? ` (#${w.position} in the queue)` : ""}: ${w.message}`;
}

function pauseControls(job) {
  // Pause with an optional note (shown wherever the paused state is), or Resume.
  if (job.state === "PAUSED") {
    return action("Resume", () => post(`/jobs/${job.id}/resume`), { "aria-label": `Resume ${job.id}` });
  }
  const id = `note-${job.id}`;
  return h("span", { class: "actions" },
    h("label", { for: id, class: "muted", text: "Note" }),
    h("input", { id, type: "text", size: 16, placeholder: "why (optional)" }),
    action("Pause", () => {
      const note = document.getElementById(id).value.trim();
      return post(`/jobs/${job.id}/pause`, note ? { note } : undefined);
    }, { "aria-label": `Pause ${job.id}` }));
}

function facts(entries) {
  return h("dl", { class: "facts" },
    entries.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]));
}

function origin(o) {
  const parts = [];
  if (o.file) parts.push(`file ${o.file}`);
  if (o.commit) parts.push(`commit ${o.commit.slice(0, 12)}`);
  if (o.resource) parts.push(`resource ${o.resource}`);
  if (o.api) parts.push("REST API");
  return parts.join(", ") || "–";
}

function action(label, run, extra = {}) {
  return h("button", {
    type: "button", ...extra,
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try { await run(); } catch (error) { notify(error.message, true); }
      button.disabled = false;
      render();
    },
  }, label);
}

function notify(text, bad) {
  const old = document.getElementById("notice");
  if (old) old.remove();
  const main = document.getElementById("main");
  main.prepend(h("p", { id: "notice", role: bad ? "alert" : "status", class: bad ? "error" : "muted", text }));
}

function samePath(url) {
  // Links name the controller's public URL; the dashboard fetches them from its own origin.
  if (!url) return null;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol.startsWith("http") ? parsed.pathname : null;
  } catch (_) { return null; }
}

function table(headers, rows, caption) {
  return h("table", {},
    caption ? h("caption", { class: "muted", text: caption, style: "text-align:left" }) : null,
    h("thead", {}, h("tr", {}, headers.map((t) =>
      h("th", { scope: "col", class: t.endsWith("#") ? "num" : null, text: t.replace(/#$/, "") })))),
    h("tbody", {}, rows));
}

function show(...nodes) {
  const main = document.getElementById("main");
  const notice = document.getElementById("notice");
  main.replaceChildren(...nodes);
  if (notice && notice.classList.contains("error")) main.prepend(notice);
}

function poll(refresh) {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    try { await refresh(); } catch (_) { /* shown on the next full render */ }
    poll(refresh);
  }, POLL_MS);
}

// ------------------------------------------------------------------ pages
async function jobsPage() {
  const jobs = await api("/dashboard/jobs");
  const rows = jobs.map((job) => h("tr", {},
    h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(job.id)}`, text: job.id })),
    h("td", { text: origin(job.origin) }),
    h("td", { text: job.schedule.join("; ") || "manual only" }),
    h("td", { text: job.state === "PAUSED" ? "paused" : when(job.next_run_time) }),
    h("td", {}, status(job.state),
      job.state === "PAUSED" && job.reason ? h("div", { class: "muted", text: job.reason.message }) : null),
    h("td", {}, job.last_job_run
      ? [h("a", { href: `#/job-runs/${job.last_job_run.id}` }, status(job.last_job_run.status)),
        " ", h("span", { class: "muted", text: counts(job.last_job_run) })]
      : "–"),
    h("td", {}, job.active_job_run ? progressBar(job.active_job_run) : "–"),
    h("td", {}, h("div", { class: "actions" },
      action("Trigger", () => post(`/jobs/${job.id}/trigger`), { "aria-label": `Trigger ${job.id}` }),
      pauseControls(job)))));
  show(h("h1", { text: "Jobs" }),
    jobs.length ? table(["Job", "Defined in", "Schedule", "Next fire", "State", "Last JobRun",
      "Active JobRun", "Actions"], rows) : h("p", { class: "muted", text: "No Jobs yet." }));
  poll(async () => { if (state.route === "jobs") await refreshQuietly(jobsPage); });
}

async function jobPage(jobId) {
  const job = await api(`/dashboard/jobs/${encodeURIComponent(jobId)}`);
  const preview = job.preview.map((t) => h("tr", {},
    h("td", { text: when(t.time) }), h("td", { text: `${t.local_time} (${t.time_zone})` }),
    h("td", { text: t.source }), h("td", { text: t.fire_time ? when(t.fire_time) : "" })));
  const history = job.job_runs.map((r) => h("tr", {},
    h("td", {}, h("a", { href: `#/job-runs/${r.id}`, text: r.id })),
    h("td", { text: r.type }), h("td", {}, status(r.status)),
    h("td", { text: when(r.created_at) }), h("td", { text: when(r.end_time) }),
    h("td", {}, progressBar(r)), h("td", { class: "num", text: counts(r) })));
  show(
    h("h1", {}, "Job ", h("code", { text: job.id })),
    h("div", { class: "actions" },
      action("Trigger", () => post(`/jobs/${job.id}/trigger`)), pauseControls(job)),
    facts([["State", status(job.state)], ["Paused because", job.reason && job.reason.message],
      ["Defined in", origin(job.origin)], ["Schedule", job.schedule.join("; ") || "manual only"],
      ["Next fire", job.state === "PAUSED" ? "paused" : when(job.next_run_time)]]),
    h("h2", { text: "Next fire times" }),
    preview.length ? table(["UTC", "Job's time zone", "Source", "With jitter"], preview)
      : h("p", { class: "muted", text: "No schedule: it runs when triggered." }),
    h("h2", { text: "JobRuns" }),
    history.length ? table(["JobRun", "Type", "Status", "Created", "Ended", "Progress", "Counts#"], history)
      : h("p", { class: "muted", text: "No JobRuns yet." }),
    job.schedule.length ? backfillForm(job.id) : null,
    h("h2", { text: "Missed ticks" }),
    job.missed_ticks.length ? h("ul", {}, job.missed_ticks.map((t) => h("li", { text: when(t) })))
      : h("p", { class: "muted", text: "None." }),
    h("h2", { text: "Definition (secrets masked)" }),
    h("pre", { text: JSON.stringify(job.definition, null, 2) }));
  poll(async () => { if (state.route === "job") await refreshQuietly(() => jobPage(jobId)); });
}

const runsView = { jobRunId: null, cursors: [null], page: 0, filter: {} };
const rates = { jobRunId: null, samples: [] };

function rateAndEta(p) {
  if (rates.jobRunId !== p.id) { rates.jobRunId = p.id; rates.samples = []; }
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

async function jobRunPage(jobRunId) {
  const jobRun = await api(`/dashboard/job-runs/${encodeURIComponent(jobRunId)}`);
  if (runsView.jobRunId !== jobRunId) Object.assign(runsView, { jobRunId, cursors: [null], page: 0, filter: {} });
  const p = jobRun.progress;
  const active = !["COMPLETED", "FAILURE", "TERMINATED", "CANCELED"].includes(jobRun.status);
  const [rate, eta] = active ? rateAndEta(p) : ["–", "–"];
  show(
    h("h1", {}, "JobRun ", h("code", { text: jobRun.id })),
    h("div", { class: "actions" },
      active ? action("Terminate", () => post(`/jobs/${jobRun.job_id}/runs/${jobRun.id}/terminate`)) : null,
      p.failed > 0 ? action("Rerun failed Runs", async () => {
        const made = await post(`/job-runs/${jobRun.id}/rerun`, { runs: "failed" });
        location.hash = `#/job-runs/${made.jobRunId}`;
      }) : null,
      action("Rerun selected Runs", async () => {
        const runs = [...document.querySelectorAll("#runs input[type=checkbox]:checked")].map((c) => c.value);
        if (!runs.length) throw new Error("select Runs to rerun first");
        const made = await post(`/job-runs/${jobRun.id}/rerun`, { runs });
        location.hash = `#/job-runs/${made.jobRunId}`;
      }),
      h("a", { href: jobRun.results_url, download: "" }, "Download results (JSONL)")),
    facts([["Job", h("a", { href: `#/jobs/${encodeURIComponent(jobRun.job_id)}`, text: jobRun.job_id })],
      ["Status", status(jobRun.status)], ["Type", jobRun.type],
      ["Scheduled for", jobRun.scheduled_time ? when(jobRun.scheduled_time) : null],
      ["Reason", jobRun.reason && jobRun.reason.message], ["Error", jobRun.error && jobRun.error.message],
      ["Waiting for", waitingText(p.waitingFor)],
      ["Rerun of", jobRun.rerunOf ? h("span", {},
        h("a", { href: `#/job-runs/${jobRun.rerunOf.jobRunId}`, text: jobRun.rerunOf.jobRunId }),
        ` (${jobRun.rerunOf.runIds.length} Run(s))`) : null],
      ["Started", when(jobRun.start_time)], ["Ended", when(jobRun.end_time)],
      ["Progress", progressBar(p)],
      ["Counts", h("span", { id: "counts", text: `${p.pending} pending, ${p.running} running, ` +
        `${p.succeeded} succeeded, ${p.failed} failed, ${p.terminated} terminated (of ${p.payloads})` })],
      ["Rate", rate], ["ETA", eta]]),
    h("h2", { text: "Runs" }),
    runFilters(),
    h("div", { id: "runs" }, h("p", { class: "muted", text: "Loading Runs…" })));
  await loadRuns();
  if (active) poll(async () => { if (state.route === "jobrun") await refreshQuietly(() => jobRunPage(jobRunId)); });
}

function runFilters() {
  const f = runsView.filter;
  const statusSelect = h("select", { id: "filter-status" },
    ["", "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TERMINATED"].map((s) =>
      h("option", { value: s, selected: (f.status || "") === s, text: s || "any" })));
  const field = (id, label, value) => [h("label", { for: id, text: label }),
    h("input", { id, type: "search", value: value || "", size: 14, class: "filter" })];
  return h("form", {
    class: "filters", role: "search", "aria-label": "Filter Runs",
    onsubmit: (event) => {
      event.preventDefault();
      runsView.filter = {
        status: statusSelect.value || null,
        api: document.getElementById("filter-api").value.trim() || null,
        errorCode: document.getElementById("filter-error").value.trim() || null,
        search: document.getElementById("filter-search").value.trim() || null,
      };
      runsView.cursors = [null]; runsView.page = 0;
      loadRuns();
    },
  }, h("label", { for: "filter-status", text: "Status" }), statusSelect,
  field("filter-api", "API", f.api), field("filter-error", "Error code", f.errorCode),
  field("filter-search", "Parameters contain", f.search), h("button", { type: "submit" }, "Filter"));
}

async function loadRuns() {
  const params = new URLSearchParams({ limit: PAGE_SIZE });
  for (const [k, v] of Object.entries(runsView.filter)) if (v) params.set(k, v);
  const cursor = runsView.cursors[runsView.page];
  if (cursor) params.set("cursor", cursor);
  const page = await api(`/job-runs/${runsView.jobRunId}/runs?${params}`);
  runsView.cursors[runsView.page + 1] = page.nextCursor;
  const rows = page.runs.map((run) => h("tr", {},
    h("td", {}, h("input", { type: "checkbox", value: run.id, "aria-label": `Select ${run.id}` })),
    h("td", {}, h("a", { href: `#/job-runs/${runsView.jobRunId}/runs/${run.id}`, text: run.id })),
    h("td", { text: run.api }), h("td", {}, status(run.status),
      run.waitingFor ? h("div", { class: "muted", text: `waiting: ${run.waitingFor.reason}` }) : null),
    h("td", { class: "num", text: run.attempts }),
    h("td", {}, h("code", { text: JSON.stringify(run.parameters) })),
    h("td", { text: run.error ? `${run.error.code}: ${run.error.message}` : (run.resultPreview || "") })));
  const first = runsView.page * PAGE_SIZE + 1;
  const where = page.runs.length ? `Runs ${first}–${first + page.runs.length - 1}` : "No Runs match.";
  const target = document.getElementById("runs");
  if (!target) return;
  target.replaceChildren(
    table(["Select", "Run", "API", "Status", "Attempts#", "Parameters", "Result or error"], rows, where),
    h("nav", { class: "actions", "aria-label": "Runs pages" },
      h("button", { type: "button", disabled: runsView.page === 0,
        onclick: () => { runsView.page -= 1; loadRuns(); } }, "Previous page"),
      h("span", { class: "muted", text: `Page ${runsView.page + 1}` }),
      h("button", { type: "button", disabled: !page.nextCursor,
        onclick: () => { runsView.page += 1; loadRuns(); } }, "Next page")));
}

async function runPage(jobRunId, runId) {
  const detail = await api(`/job-runs/${encodeURIComponent(jobRunId)}/runs/${encodeURIComponent(runId)}`);
  const run = detail.run;
  const logView = h("section", { id: "log", "aria-label": "Attempt log" });
  const attempts = detail.attempts.map((a) => {
    const trace = samePath(a.traceUrl);
    const log = samePath(a.logUrl);
    const viewer = trace ? `/trace/index.html?trace=${encodeURIComponent(location.origin + trace)}` : null;
    return h("tr", {},
      h("td", { class: "num", text: a.number }), h("td", {}, status(a.outcome)),
      h("td", { text: a.error ? `${a.error.code} (${a.error.category}): ${a.error.message}` : "" }),
      h("td", { text: when(a.startedAt) }), h("td", { class: "num", text: duration(a.durationMs) }),
      h("td", {}, h("div", { class: "actions" },
        log ? h("button", {
          type: "button", "aria-label": `View log of attempt ${a.number}`,
          onclick: async () => {
            const text = await (await request(log)).text();
            logView.replaceChildren(h("h2", { text: `Log of attempt ${a.number}` }),
              h("pre", { tabindex: "0", text: text || "(empty)" }));
            logView.querySelector("pre").focus();
          },
        }, "View log") : null,
        log ? h("a", { href: log, download: "" }, "Download log") : null,
        viewer ? h("a", { href: viewer, target: "_blank", rel: "noopener" }, "Open trace") : null,
        trace ? h("a", { href: trace, download: "" }, "Download trace") : null)));
  });
  show(
    h("h1", {}, "Run ", h("code", { text: run.id })),
    facts([["JobRun", h("a", { href: `#/job-runs/${jobRunId}`, text: jobRunId })],
      ["API", run.api], ["Status", status(run.status)], ["Attempts", String(run.attempts)],
      ["Reason", run.reason && run.reason.message], ["Waiting for", waitingText(run.waitingFor)],
      ["Extended from", run.extendedFrom],
      ["Started", when(run.startedAt)], ["Ended", when(run.endedAt)]]),
    h("h2", { text: "Parameters" }), h("pre", { text: JSON.stringify(run.parameters, null, 2) }),
    h("h2", { text: run.error ? "Error" : "Result" }),
    h("pre", { text: JSON.stringify(run.error || run.result, null, 2) ?? "null" }),
    h("h2", { text: "Attempts" }),
    detail.attempts.length ? table(["#", "Outcome", "Error", "Started", "Duration#", "Trace and log"], attempts)
      : h("p", { class: "muted", text: "No attempt has ended yet." }),
    logView);
}

function backfillForm(jobId) {
  // Preview the ticks of a range, then queue them: they run one after another.
  const result = h("div", { id: "backfill-result", "aria-live": "polite" });
  const field = (id, label) => [h("label", { for: id, text: label }),
    h("input", { id, type: "datetime-local", step: 1, required: true })];
  const range = () => ({
    from: document.getElementById("backfill-from").value + "Z",
    to: document.getElementById("backfill-to").value + "Z",
  });
  const show = (data) => result.replaceChildren(h("p", { text: data.message }),
    table(["Scheduled time", "JobRun", "State"], data.ticks.map((t) => h("tr", {},
      h("td", { text: when(t.scheduledTime) }), h("td", { text: t.jobRunId }), h("td", { text: t.state })))));
  const run = (dryRun) => async () => {
    try { show(await post(`/jobs/${jobId}/backfill`, { ...range(), dryRun })); }
    catch (error) { result.replaceChildren(h("p", { role: "alert", class: "error", text: error.message })); }
  };
  return h("section", { "aria-labelledby": "backfill-heading" },
    h("h2", { id: "backfill-heading", text: "Backfill (UTC)" }),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); run(true)(); } },
      field("backfill-from", "From"), field("backfill-to", "To"),
      h("button", { type: "submit" }, "Preview"),
      h("button", { type: "button", onclick: run(false) }, "Backfill")),
    result);
}

async function authSessionsPage() {
  const sessions = await api("/dashboard/auth-sessions");
  const rows = sessions.map((s) => h("tr", {},
    h("td", { text: s.id }), h("td", {}, status(s.status)),
    h("td", { class: "num", text: s.version }), h("td", { text: when(s.updated_at) }),
    h("td", { text: when(s.checked_at) })));
  show(h("h1", { text: "AuthSessions" }),
    rows.length ? table(["AuthSession", "Status", "Version#", "Last recreated", "Last checked"], rows)
      : h("p", { class: "muted", text: "No AuthSessions." }));
}

// ------------------------------------------------------------------ routing
const ROUTES = [
  [/^#?\/?$/, "jobs", () => jobsPage()],
  [/^#\/jobs\/([^/]+)$/, "job", (m) => jobPage(decodeURIComponent(m[1]))],
  [/^#\/job-runs\/([^/]+)$/, "jobrun", (m) => jobRunPage(decodeURIComponent(m[1]))],
  [/^#\/job-runs\/([^/]+)\/runs\/([^/]+)$/, "run", (m) => runPage(m[1], m[2])],
  [/^#\/auth-sessions$/, "auth", () => authSessionsPage()],
];

function editing() {
  // Something typed, chosen or shown on request would be lost by a redraw: skip it until done.
  const active = document.activeElement;
  if (active && ["INPUT", "SELECT"].includes(active.tagName)) return true;
  const typed = [...document.querySelectorAll("main input:not([type=checkbox]):not(.filter)")]
    .some((i) => i.value);
  const ticked = document.querySelector("main input[type=checkbox]:checked");
  const shown = document.querySelector("#backfill-result *, #log *");
  return typed || Boolean(ticked) || Boolean(shown);
}

async function refreshQuietly(page) {
  // A poll redraws the page in place; focus and the Runs page the user is on are kept.
  if (editing()) return;
  const focused = document.activeElement && document.activeElement.id;
  await page();
  if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
}

async function render() {
  clearTimeout(state.timer);
  const hash = location.hash || "#/";
  for (const [pattern, name, page] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    const changed = state.route !== name;
    state.route = name;
    try {
      await page(match);
      if (changed) document.getElementById("main").focus();
    } catch (error) {
      if (error.status === 401) return signIn();
      show(h("h1", { text: "Something went wrong" }), h("p", { role: "alert", class: "error", text: error.message }));
    }
    return;
  }
  show(h("h1", { text: "Not found" }), h("p", {}, h("a", { href: "#/", text: "Back to Jobs" })));
}

function signIn() {
  show(document.getElementById("login").content.cloneNode(true));
  const form = document.getElementById("login-form");
  document.getElementById("api-key").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await request("/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: document.getElementById("api-key").value }) });
      await start();
    } catch (error) {
      document.getElementById("login-error").textContent = error.message;
    }
  });
}

async function start() {
  try {
    const server = await (await request("/api/v1/server")).json();
    state.base = `/api/v1/workspace/${encodeURIComponent(server.workspaceId)}/projects/${encodeURIComponent(server.projectName)}`;
    document.getElementById("project").textContent = `project ${server.projectName}`;
  } catch (error) {
    if (error.status === 401) return signIn();
    return show(h("p", { role: "alert", class: "error", text: error.message }));
  }
  await render();
}

window.addEventListener("hashchange", render);
start();
