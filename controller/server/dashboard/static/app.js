// jobctl dashboard: routing, sign-in and start. No dependencies, no build step.

import { authSessionsPage, jobPage, jobsPage } from "./pages.js";
import { jobRunPage, runPage } from "./runs.js";
import { signInPage } from "./sign_in.js";
import { h, request, serially, show, state } from "./ui.js";

const ROUTES = [
  [/^#?\/?$/, "jobs", () => jobsPage()],
  [/^#\/jobs\/([^/]+)$/, "job", (m) => jobPage(decodeURIComponent(m[1]))],
  [/^#\/job-runs\/([^/]+)$/, "jobrun", (m) => jobRunPage(decodeURIComponent(m[1]))],
  [/^#\/job-runs\/([^/]+)\/runs\/([^/]+)$/, "run", (m) => runPage(m[1], m[2])],
  [/^#\/auth-sessions$/, "auth", () => authSessionsPage()],
  [/^#\/auth-sessions\/([^/]+)\/sign-in$/, "sign-in", (m) => signInPage(decodeURIComponent(m[1]))],
];

function render() {
  // One render at a time, in the order asked (polls' redraws too): the last page asked for is
  // the one shown.
  return serially(renderNow);
}

async function renderNow() {
  clearTimeout(state.timer);
  const hash = location.hash || "#/";
  for (const [pattern, name, page] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    const changed = state.route !== name;
    state.route = name;
    try {
      await page(match);
      // A new page gets the focus, unless it put the focus somewhere of its own (a sign-in's screen).
      const main = document.getElementById("main");
      if (changed && !main.contains(document.activeElement)) main.focus();
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
      await request("/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: document.getElementById("api-key").value }),
      });
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

state.render = render;
window.addEventListener("hashchange", render);
start();
