// The Jobs, Job and AuthSessions pages.

import { loadJobCharts } from "./charts.js";
import { signInCell } from "./sign_in.js";
import {
  action,
  api,
  counts,
  facts,
  failuresTable,
  h,
  origin,
  poll,
  post,
  progressBar,
  refreshQuietly,
  show,
  state,
  status,
  table,
  when,
} from "./ui.js";

function pauseControls(job) {
  // Pause with an optional note (shown wherever the paused state is), or Resume.
  if (job.state === "PAUSED") {
    return action("Resume", () => post(`/jobs/${job.id}/resume`), { "aria-label": `Resume ${job.id}` });
  }
  const id = `note-${job.id}`;
  return h(
    "span",
    { class: "actions" },
    h("label", { for: id, class: "muted", text: "Note" }),
    h("input", { id, type: "text", size: 16, placeholder: "why (optional)" }),
    action(
      "Pause",
      () => {
        const note = document.getElementById(id).value.trim();
        return post(`/jobs/${job.id}/pause`, note ? { note } : undefined);
      },
      { "aria-label": `Pause ${job.id}` },
    ),
  );
}

function jobMenu(job) {
  // A row's actions in a menu, so that a row is one line: opened by click or keyboard, kept
  // open across polls (``editing``).
  return h(
    "details",
    { class: "menu" },
    h("summary", { "aria-label": `Actions for ${job.id}` }, "Actions"),
    h(
      "div",
      { class: "menu-items" },
      action("Trigger", () => post(`/jobs/${job.id}/trigger`), { "aria-label": `Trigger ${job.id}` }),
      pauseControls(job),
    ),
  );
}

export async function jobsPage() {
  const jobs = await api("/dashboard/jobs");
  if (state.route !== "jobs") return; // left while it loaded
  const rows = jobs.map((job) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(job.id)}`, text: job.id })),
      h("td", { class: "wrap", text: origin(job.origin) }),
      h("td", { text: job.schedule.join("; ") || "manual only" }),
      h("td", { text: job.state === "PAUSED" ? "paused" : when(job.next_run_time) }),
      h(
        "td",
        {},
        status(job.state),
        job.state === "PAUSED" && job.reason ? h("div", { class: "muted", text: job.reason.message }) : null,
      ),
      h(
        "td",
        {},
        job.last_job_run
          ? [
              h("a", { href: `#/job-runs/${job.last_job_run.id}` }, status(job.last_job_run.status)),
              " ",
              h("span", { class: "muted", text: counts(job.last_job_run) }),
            ]
          : "–",
      ),
      h("td", {}, job.active_job_run ? progressBar(job.active_job_run) : "–"),
      h("td", {}, jobMenu(job)),
    ),
  );
  show(
    h("h1", { text: "Jobs" }),
    jobs.length
      ? table(["Job", "Defined in", "Schedule", "Next fire", "State", "Last JobRun", "Active JobRun", "Actions"], rows)
      : h("p", { class: "muted", text: "No Jobs yet." }),
  );
  poll(async () => {
    if (state.route === "jobs") await refreshQuietly(jobsPage);
  });
}

export async function jobPage(jobId) {
  const job = await api(`/dashboard/jobs/${encodeURIComponent(jobId)}`);
  if (state.route !== "job") return;
  const preview = job.preview.map((t) =>
    h(
      "tr",
      {},
      h("td", { text: when(t.time) }),
      h("td", { text: `${t.local_time} (${t.time_zone})` }),
      h("td", { text: t.source }),
      h("td", { text: t.fire_time ? when(t.fire_time) : "" }),
    ),
  );
  const history = job.job_runs.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/job-runs/${r.id}`, text: r.id })),
      h("td", { text: r.type }),
      h("td", {}, status(r.status)),
      h("td", { text: when(r.created_at) }),
      h("td", { text: when(r.end_time) }),
      h("td", {}, progressBar(r)),
      h("td", { class: "num", text: counts(r) }),
    ),
  );
  show(
    h("h1", {}, "Job ", h("code", { text: job.id })),
    h(
      "div",
      { class: "actions" },
      action("Trigger", () => post(`/jobs/${job.id}/trigger`)),
      pauseControls(job),
    ),
    facts([
      ["State", status(job.state)],
      ["Paused because", job.reason?.message],
      ["Defined in", origin(job.origin)],
      ["Schedule", job.schedule.join("; ") || "manual only"],
      ["Next fire", job.state === "PAUSED" ? "paused" : when(job.next_run_time)],
    ]),
    h("h2", { text: "Next fire times" }),
    preview.length
      ? table(["UTC", "Job's time zone", "Source", "With jitter"], preview)
      : h("p", { class: "muted", text: "No schedule: it runs when triggered." }),
    h("h2", { text: "JobRuns" }),
    history.length
      ? table(["JobRun", "Type", "Status", "Created", "Ended", "Progress", "Counts#"], history)
      : h("p", { class: "muted", text: "No JobRuns yet." }),
    h("h2", { text: "Recent JobRuns" }),
    h("div", { id: "job-charts", class: "charts" }),
    h("h2", { text: "Failures in recent JobRuns" }),
    h("div", { id: "job-failures" }, h("p", { class: "muted", text: "Loading failures…" })),
    job.schedule.length ? backfillForm(job.id) : null,
    h("h2", { text: "Missed ticks" }),
    job.missed_ticks.length
      ? h(
          "ul",
          {},
          job.missed_ticks.map((t) => h("li", { text: when(t) })),
        )
      : h("p", { class: "muted", text: "None." }),
    h("h2", { text: "Definition (secrets masked)" }),
    h("pre", { tabindex: "0", "aria-label": "Definition", text: JSON.stringify(job.definition, null, 2) }),
  );
  await Promise.all([loadJobFailures(job.id), loadJobCharts(job.id)]);
  poll(async () => {
    if (state.route === "job") await refreshQuietly(() => jobPage(jobId));
  });
}

async function loadJobFailures(jobId) {
  const found = await api(`/jobs/${encodeURIComponent(jobId)}/failures`);
  const target = document.getElementById("job-failures");
  if (!target) return;
  target.replaceChildren(
    found.groups.length
      ? failuresTable(found, "In JobRuns", (g) =>
          h(
            "ul",
            { class: "plain" },
            g.jobRunIds.map((id) => h("li", {}, h("a", { href: `#/job-runs/${id}`, text: id }))),
          ),
        )
      : h("p", { class: "muted", text: "None." }),
  );
}

function backfillForm(jobId) {
  // Preview the ticks of a range, then queue them: they run one after another.
  const result = h("div", { id: "backfill-result", "aria-live": "polite" });
  const field = (id, label) => [
    h("label", { for: id, text: label }),
    h("input", { id, type: "datetime-local", step: 1, required: true }),
  ];
  const range = () => ({
    from: `${document.getElementById("backfill-from").value}Z`,
    to: `${document.getElementById("backfill-to").value}Z`,
  });
  const show = (data) =>
    result.replaceChildren(
      h("p", { text: data.message }),
      table(
        ["Scheduled time", "JobRun", "State"],
        data.ticks.map((t) =>
          h(
            "tr",
            {},
            h("td", { text: when(t.scheduledTime) }),
            h("td", { text: t.jobRunId }),
            h("td", { text: t.state }),
          ),
        ),
      ),
    );
  const run = (dryRun) => async () => {
    try {
      show(await post(`/jobs/${jobId}/backfill`, { ...range(), dryRun }));
    } catch (error) {
      result.replaceChildren(h("p", { role: "alert", class: "error", text: error.message }));
    }
  };
  return h(
    "section",
    { "aria-labelledby": "backfill-heading" },
    h("h2", { id: "backfill-heading", text: "Backfill (UTC)" }),
    h(
      "form",
      {
        class: "filters",
        onsubmit: (e) => {
          e.preventDefault();
          run(true)();
        },
      },
      field("backfill-from", "From"),
      field("backfill-to", "To"),
      h("button", { type: "submit" }, "Preview"),
      h("button", { type: "button", onclick: run(false) }, "Backfill"),
    ),
    result,
  );
}

export async function authSessionsPage() {
  const sessions = await api("/dashboard/auth-sessions");
  if (state.route !== "auth") return;
  const rows = sessions.map((s) =>
    h(
      "tr",
      {},
      h("td", { text: s.id }),
      h("td", { text: s.type === "RECORDER" ? "signed in by a person" : "credentials" }),
      h("td", {}, status(s.status)),
      h("td", { class: "num", text: s.version }),
      h("td", { text: when(s.updated_at) }),
      h("td", { text: when(s.checked_at) }),
      h("td", {}, signInCell(s)),
    ),
  );
  show(
    h("h1", { text: "AuthSessions" }),
    rows.length
      ? table(["AuthSession", "Kind", "Status", "Version#", "Last saved", "Last checked", "Sign-in"], rows)
      : h("p", { class: "muted", text: "No AuthSessions." }),
  );
}

// ------------------------------------------------------------------ routing
