// Signing in to a recorder AuthSession: the controller's browser at the session's start page,
// its screen streamed here (server-sent events of JPEG frames), the mouse and keyboard sent
// back one event at a time, in order.

import { api, h, notify, post, show, state } from "./ui.js";

let screen = null; // the EventSource of the sign-in shown, closed when another page is drawn
let sending = Promise.resolve();
const MOVE_EVERY_MS = 50;

function send(path, event) {
  // One input at a time, in the order the person made them (a key before the next key).
  sending = sending.then(
    () => post(path, event).catch((error) => notify(error.message, true)),
    () => undefined,
  );
}

function pagePoint(image, frame, event) {
  // From a point on the picture to the page's CSS pixels.
  const box = image.getBoundingClientRect();
  const x = ((event.clientX - box.left) / box.width) * frame.width;
  const y = ((event.clientY - box.top) / box.height) * frame.height;
  return { x: Math.max(0, Math.round(x)), y: Math.max(0, Math.round(y)) };
}

const BUTTONS = ["left", "middle", "right"];

function keyName(event) {
  // Playwright's names: "Enter", "Shift+Tab", "Control+a".
  const parts = [];
  if (event.ctrlKey) parts.push("Control");
  if (event.altKey) parts.push("Alt");
  if (event.metaKey) parts.push("Meta");
  if (event.shiftKey && event.key.length > 1) parts.push("Shift");
  parts.push(event.key);
  return parts.join("+");
}

function forwardInput(image, frameOf, path) {
  let lastMove = 0;
  image.addEventListener("mousedown", (event) => {
    event.preventDefault();
    image.focus();
    send(path, { type: "down", button: BUTTONS[event.button] || "left", ...pagePoint(image, frameOf(), event) });
  });
  image.addEventListener("mouseup", (event) =>
    send(path, { type: "up", button: BUTTONS[event.button] || "left", ...pagePoint(image, frameOf(), event) }),
  );
  image.addEventListener("mousemove", (event) => {
    if (event.timeStamp - lastMove < MOVE_EVERY_MS) return;
    lastMove = event.timeStamp;
    send(path, { type: "move", ...pagePoint(image, frameOf(), event) });
  });
  image.addEventListener("wheel", (event) => {
    event.preventDefault();
    send(path, { type: "wheel", deltaX: event.deltaX, deltaY: event.deltaY, ...pagePoint(image, frameOf(), event) });
  });
  image.addEventListener("contextmenu", (event) => event.preventDefault());
  image.addEventListener("keydown", (event) => {
    if (event.key === "Escape") return image.blur(); // the way out of the screen, by keyboard
    event.preventDefault();
    const plain = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    send(path, plain ? { type: "text", text: event.key } : { type: "key", key: keyName(event) });
  });
  image.addEventListener("paste", (event) => {
    event.preventDefault();
    send(path, { type: "text", text: event.clipboardData.getData("text") });
  });
}

async function showValidation(sessionId, saved, out) {
  // The validate operation the save started (check.py), until it has a result.
  const path = `/auth-sessions/${encodeURIComponent(sessionId)}/validate/${saved.validationId}/result`;
  const where = location.hash;
  for (;;) {
    const result = await api(path);
    if (location.hash !== where) return;
    if (!["pending", "in_progress"].includes(result.status)) {
      const valid = result.status === "done";
      const line = valid
        ? `check.py found the sign-in valid: AuthSession ${sessionId} is ready (version ${saved.version}).`
        : `check.py did not find the sign-in valid: ${result.error?.message || result.message || result.status}`;
      out.replaceChildren(h("p", { role: valid ? "status" : "alert", class: valid ? null : "error", text: line }));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function ended(sessionId, outcome, out) {
  // The browser is closed: its picture and controls go, what became of the sign-in stays.
  screen?.close();
  for (const gone of document.querySelectorAll("#sign-in-controls, .screen-frame")) gone.remove();
  if (outcome?.kind === "saved") {
    out.replaceChildren(
      h("p", { role: "status", text: `Saved as version ${outcome.saved.version}; checking it with check.py…` }),
    );
    showValidation(sessionId, outcome.saved, out).catch((error) => notify(error.message, true));
  } else {
    out.replaceChildren(h("p", { role: "status", text: `The sign-in ended: ${outcome?.message || "closed"}.` }));
  }
}

function button(label, run) {
  // Not ``action``: a redraw of this page would open the browser again.
  return h(
    "button",
    {
      type: "button",
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        await run().catch((error) => notify(error.message, true));
      },
    },
    label,
  );
}

export async function signInPage(sessionId) {
  screen?.close();
  const base = `/auth-sessions/${encodeURIComponent(sessionId)}/sign-in`;
  const started = await post(base);
  if (state.route !== "sign-in") return;
  let frame = { width: 1280, height: 800 };
  const image = h("img", {
    class: "screen",
    tabindex: "0",
    alt: `The sign-in page of AuthSession ${sessionId}`,
    "aria-describedby": "screen-help",
  });
  const address = h("p", {
    id: "sign-in-address",
    class: "muted wrap",
    "aria-live": "polite",
    text: started.url || "",
  });
  const out = h("div", { id: "sign-in-outcome" });
  forwardInput(image, () => frame, `${base}/input`);
  const where = location.hash;
  screen = new EventSource(`${state.base}${base}/screen`);
  screen.addEventListener("frame", (event) => {
    if (location.hash !== where) return screen.close();
    frame = JSON.parse(event.data);
    image.src = `data:image/jpeg;base64,${frame.jpeg}`;
    if (address.textContent !== frame.url) address.textContent = frame.url;
  });
  screen.addEventListener("end", (event) => ended(sessionId, JSON.parse(event.data), out));
  show(
    h("p", {}, h("a", { href: "#/auth-sessions", text: "← AuthSessions" })),
    h("h1", { text: `Sign in to ${sessionId}` }),
    h(
      "p",
      { id: "screen-help", class: "muted" },
      "This is a browser the controller opened. Click into the picture and sign in as you would in your own " +
        "browser; Escape leaves the picture. The sign-in is saved when the site's finish page is reached, " +
        "or with Save sign-in.",
    ),
    address,
    h(
      "p",
      { id: "sign-in-controls", class: "actions" },
      button("Save sign-in", async () => ended(sessionId, (await post(`${base}/save`)).outcome, out)),
      button("Cancel", async () => {
        await api(base, { method: "DELETE" });
        location.hash = "#/auth-sessions";
      }),
    ),
    out,
    h("div", { class: "screen-frame" }, image),
  );
  image.focus();
}

export function signInCell(session) {
  // The AuthSessions table's last cell: recorder sessions are signed in to by a person.
  if (session.type !== "RECORDER") return h("span", { class: "muted", text: "create.py" });
  const ready = session.status === "READY";
  return h(
    "span",
    {},
    ready ? null : h("span", { class: "status EXPIRED", text: "a person must sign in " }),
    h("a", {
      href: `#/auth-sessions/${encodeURIComponent(session.id)}/sign-in`,
      "aria-label": `${ready ? "Sign in again to" : "Sign in to"} ${session.id}`,
      text: ready ? "Sign in again" : "Sign in",
    }),
  );
}
