// jobctl dashboard: shared helpers. Every value from the API is put in the page as text
// (textContent), never as HTML.

export const POLL_MS = 2000;
export const state = { base: null, timer: null, route: null, render: null };

// ------------------------------------------------------------------ helpers
export function h(tag, attrs, ...children) {
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

export class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function request(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).message || message;
    } catch (_) {
      /* not JSON */
    }
    throw new ApiFailure(response.status, message);
  }
  return response.status === 204 ? null : response;
}

export async function api(path, options) {
  const response = await request(state.base + path, options);
  return response === null ? null : response.json();
}

export function post(path, body) {
  const options = { method: "POST" };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  return api(path, options);
}

export function when(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z")
    .replace(/Z$/, " UTC");
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function status(value) {
  return h("span", { class: `status ${value || ""}`, text: value || "–" });
}

export function progressBar(p) {
  const total = Math.max(p.payloads, 1);
  const part = (name, count) =>
    count > 0 ? h("span", { class: name, style: `width:${(100 * count) / total}%` }) : null;
  const label =
    `${p.succeeded} succeeded, ${p.failed} failed, ${p.running} running, ` + `${p.pending} pending of ${p.payloads}`;
  return h(
    "div",
    { class: "bar", role: "img", "aria-label": label, title: label },
    part("succeeded", p.succeeded),
    part("failed", p.failed),
    part("running", p.running),
    part("terminated", p.terminated),
  );
}

export function counts(p) {
  return `${p.succeeded}/${p.payloads} succeeded, ${p.failed} failed`;
}

export function waitingText(w) {
  if (!w) return null;
  return `${w.reason}${w.position ? ` (#${w.position} in the queue)` : ""}: ${w.message}`;
}

export function facts(entries) {
  return h(
    "dl",
    { class: "facts" },
    entries
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]),
  );
}

export function origin(o) {
  const parts = [];
  if (o.file) parts.push(`file ${o.file}`);
  if (o.commit) parts.push(`commit ${o.commit.slice(0, 12)}`);
  if (o.resource) parts.push(`resource ${o.resource}`);
  if (o.api) parts.push("REST API");
  return parts.join(", ") || "–";
}

export function action(label, run, extra = {}) {
  return h(
    "button",
    {
      type: "button",
      ...extra,
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await run();
        } catch (error) {
          notify(error.message, true);
        }
        button.disabled = false;
        state.render();
      },
    },
    label,
  );
}

export function failuresTable(found, lastHeader, lastCell) {
  // Failed Runs grouped by error code and message shape (the API's ``failures``), the latest
  // failure first; ``lastCell(group)`` fills the last column.
  const rows = found.groups.map((g) =>
    h(
      "tr",
      {},
      h("td", { class: "num", text: g.count }),
      h("td", {}, h("code", { text: g.errorCode })),
      h("td", { class: "wrap", text: g.latestMessage }),
      h("td", { text: when(g.firstSeen) }),
      h("td", { text: when(g.lastSeen) }),
      h("td", {}, lastCell(g)),
    ),
  );
  const caption = `${found.failedRuns} failed Run(s) in ${found.groups.length} group(s), the latest failure first`;
  return table(["Runs#", "Error code", "Latest message", "First seen", "Last seen", lastHeader], rows, caption);
}

export function confirmed(label, { count, describe, run, ariaLabel }) {
  // A bulk action: first the number of items it would act on, then Confirm or Cancel. While
  // the question is shown, polls do not redraw the page (``editing``).
  const area = h("span", { class: "confirm" });
  const ask = h(
    "button",
    {
      type: "button",
      "aria-label": ariaLabel || label,
      onclick: async () => {
        ask.disabled = true;
        try {
          const n = await count();
          const yes = action("Confirm", run, { disabled: n === 0 });
          const no = h("button", { type: "button", onclick: () => area.replaceChildren(ask) }, "Cancel");
          area.replaceChildren(h("span", { class: "question", role: "status", text: describe(n) }), yes, no);
          (n === 0 ? no : yes).focus();
        } catch (error) {
          notify(error.message, true);
        }
        ask.disabled = false;
      },
    },
    label,
  );
  area.append(ask);
  return area;
}

export function notify(text, bad) {
  const old = document.getElementById("notice");
  if (old) old.remove();
  const main = document.getElementById("main");
  main.prepend(h("p", { id: "notice", role: bad ? "alert" : "status", class: bad ? "error" : "muted", text }));
}

export function samePath(url) {
  // Links name the controller's public URL; the dashboard fetches them from its own origin.
  if (!url) return null;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol.startsWith("http") ? parsed.pathname : null;
  } catch (_) {
    return null;
  }
}

export function table(headers, rows, caption) {
  return h(
    "table",
    {},
    caption ? h("caption", { class: "muted", text: caption, style: "text-align:left" }) : null,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((t) => h("th", { scope: "col", class: t.endsWith("#") ? "num" : null, text: t.replace(/#$/, "") })),
      ),
    ),
    h("tbody", {}, rows),
  );
}

export function show(...nodes) {
  const main = document.getElementById("main");
  const notice = document.getElementById("notice");
  main.replaceChildren(...nodes.filter((node) => node != null));
  if (notice?.classList.contains("error")) main.prepend(notice);
}

let drawing = Promise.resolve();

export function serially(draw) {
  // Pages are drawn one at a time, in the order asked: a poll's redraw that began before the
  // user went to another page ends before that page is drawn, never after it (which left the
  // old page on screen, its poll re-armed in place of the new page's).
  drawing = drawing.then(draw, draw);
  return drawing;
}

export function poll(refresh) {
  // Only while the page it was armed on is the one asked for (its location).
  clearTimeout(state.timer);
  const where = location.hash;
  state.timer = setTimeout(
    () =>
      serially(async () => {
        if (location.hash !== where) return;
        try {
          await refresh();
        } catch (_) {
          /* shown on the next full render */
        }
        if (location.hash === where) poll(refresh);
      }),
    POLL_MS,
  );
}

// ------------------------------------------------------------------ redraws
export function editing() {
  // Something typed, chosen or shown on request would be lost by a redraw: skip it until done.
  const active = document.activeElement;
  if (active && ["INPUT", "SELECT"].includes(active.tagName)) return true;
  const typed = [...document.querySelectorAll("main input:not([type=checkbox]):not(.filter)")].some((i) => i.value);
  const ticked = document.querySelector("main input[type=checkbox]:checked");
  const shown = document.querySelector("#backfill-result *, #log *, .confirm .question, details.menu[open]");
  return typed || Boolean(ticked) || Boolean(shown);
}

export async function refreshQuietly(page) {
  // A poll redraws the page in place; focus and the Runs page the user is on are kept.
  if (editing()) return;
  const focused = document.activeElement?.id;
  await page();
  if (focused) {
    const again = document.getElementById(focused);
    if (again) again.focus();
  }
}
