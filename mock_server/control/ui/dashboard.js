// The sms-mock dashboard: one more client of the control API (/_mock). It polls the world's
// overview, journal and callbacks, and calls the control API for every action. Everything it
// shows is put in the page as text (never as HTML): the journal holds what anyone sent.
"use strict";

const REFRESH_MS = 1000;
const TOKEN_KEY = "sms-mock-control-token";
// The page is at /_mock/ui or /worlds/NAME/_mock/ui: the control API is beside it.
const BASE = location.pathname.replace(/\/_mock\/ui\/?$/, "");
const state = { token: sessionStorage.getItem(TOKEN_KEY) || "", selected: null, shown: {} };

class Unauthorized extends Error {}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401) throw new Unauthorized((data && data.error) || "token needed");
  if (!response.ok) {
    const why = data && (data.error || data.reason || data.message);
    throw new Error(`${response.status} ${typeof why === "string" ? why : JSON.stringify(data)}`);
  }
  return data;
}

// -- building the page, as text -------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function row(...cells) {
  return el("tr", {}, ...cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: c ?? "" }))));
}

// A table's body, rebuilt only when its data changed (so focus and selection stay put).
function fill(table, key, data, build) {
  const text = JSON.stringify(data);
  if (state.shown[key] === text) return;
  const focused = document.activeElement && document.activeElement.dataset.key;
  state.shown[key] = text;
  const body = table.tBodies[0];
  body.replaceChildren(...build());
  if (focused) {
    const again = body.querySelector(`[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// "a code", "an SMS": as the word is said.
function article(word) {
  return `${/^[aeiouAEIOUFHLMNRSX]/.test(word) ? "an" : "a"} ${word}`;
}

function short(id) {
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}

function time(iso) {
  return iso ? iso.replace("T", " ").replace("Z", "") : "";
}

function say(text, problem = false) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("problem", problem);
}

// -- what the page shows --------------------------------------------------------------------
function showClock(overview) {
  const clock = overview.clock;
  const offset = clock.offset_seconds ? `, ${duration(clock.offset_seconds)} ahead of its start` : "";
  document.getElementById("clock").textContent =
    `${time(clock.now)} UTC (${clock.mode} clock${offset}); ${clock.pending_events} events pending`;
  fill(document.getElementById("events"), "events", overview.events, () =>
    overview.events.length
      ? overview.events.map((e) => row(time(e.due), duration(e.in_seconds), e.name))
      : [row("", "", "nothing is scheduled")],
  );
}

function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

function money(amount, currency) {
  return currency === "USD" ? `$${amount}` : `${amount} sats`;
}

function showOrders(overview) {
  for (const table of document.querySelectorAll("table.orders")) {
    const api = table.dataset.api;
    const part = overview.apis[api];
    if (!part) continue;
    table.querySelector("caption .count").textContent =
      `(${part.order_count}${part.order_count > part.orders.length ? `, the newest ${part.orders.length}` : ""})`;
    fill(table, `orders-${api}`, part.orders, () =>
      part.orders.length ? part.orders.map((o) => orderRow(api, o, part.delivers)) : [row("no orders yet")],
    );
  }
  const selected = state.selected && overview.apis[state.selected.api];
  const order = selected && selected.orders.find((o) => o.id === state.selected.id);
  if (order) showTimeline(state.selected.api, order);
}

function orderRow(api, order, delivers) {
  const key = `${api}:${order.id}`;
  const actions = el("div", { class: "row-actions" });
  const button = (what, text, label, onclick) =>
    el("button", { type: "button", "data-key": `${key}:${what}`, "aria-label": label, text, onclick });
  actions.append(
    button("timeline", "Timeline", `Timeline of order ${order.id}`, () => {
      state.selected = { api, id: order.id };
      showTimeline(api, order);
      document.getElementById("timeline").scrollIntoView({ block: "nearest" });
    }),
  );
  if (order.can_pay) {
    actions.append(
      button("pay", "Pay invoice", `Pay the invoice of order ${order.id}`, () =>
        pay(order.id, order.invoice.payment_hash)),
    );
  }
  if (order.can_deliver) {
    actions.append(
      button("sms", `Deliver ${delivers}`, `Deliver ${article(delivers)} to order ${order.id}`, () =>
        act(`Delivered ${article(delivers)} to ${short(order.id)}`, "POST",
          `/_mock/${api}/orders/${encodeURIComponent(order.id)}/sms`, {})),
    );
  }
  const invoice = order.invoice
    ? el("span", { class: `invoice ${order.invoice.state.toLowerCase()}`, text: order.invoice.state })
    : "";
  const next = order.upcoming.length ? `${order.upcoming[0].step} at ${time(order.upcoming[0].due)}` : "";
  const cells = [
    el("code", { title: order.id, text: short(order.id) }),
    order.kind,
    order.status,
    money(order.price, order.currency),
    money(order.charged, order.currency),
    money(order.refunded, order.currency),
    invoice,
    [order.number, order.code].filter(Boolean).join(" / "),
    next,
    actions,
  ];
  const tr = row(...cells);
  tr.dataset.order = order.id;
  return tr;
}

// The picture of one order: what happened (filled) and what is still to come (hollow).
function showTimeline(api, order) {
  const section = document.getElementById("timeline");
  section.hidden = false;
  section.querySelector("h3 code").textContent = `${api} ${order.id}`;
  const steps = [
    ...order.timeline.map((s) => ({ label: s.step, at: s.at, done: true })),
    ...order.upcoming.map((s) => ({ label: s.step, at: s.due, done: false })),
  ];
  const key = JSON.stringify([api, order.id, steps, order.status]);
  if (state.shown.timeline === key) return;
  state.shown.timeline = key;
  const gap = 130;
  const width = Math.max(steps.length * gap, 260);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} 110`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", 110);
  svg.setAttribute("role", "img");
  const words = steps.map((s) => `${s.label} ${s.done ? "at" : "due"} ${time(s.at)}`).join(", then ");
  svg.setAttribute("aria-label", `Order ${order.id}, ${order.status}: ${words || "no steps"}`);
  const line = document.createElementNS(svgNS, "line");
  Object.entries({ x1: gap / 2, y1: 40, x2: width - gap / 2, y2: 40, class: "track" }).forEach(([k, v]) => line.setAttribute(k, v));
  svg.append(line);
  steps.forEach((step, i) => {
    const x = gap / 2 + i * gap;
    const dot = document.createElementNS(svgNS, "circle");
    Object.entries({ cx: x, cy: 40, r: 9, class: step.done ? "done" : "pending" }).forEach(([k, v]) => dot.setAttribute(k, v));
    svg.append(dot);
    for (const [dy, text, cls] of [[18, step.label, "label"], [72, time(step.at).slice(11, 19), "when"], [90, step.done ? "" : "to come", "when"]]) {
      const t = document.createElementNS(svgNS, "text");
      Object.entries({ x, y: dy, "text-anchor": "middle", class: cls }).forEach(([k, v]) => t.setAttribute(k, v));
      t.textContent = text;
      svg.append(t);
    }
  });
  section.querySelector(".picture").replaceChildren(svg);
}

function showOrderRequests(entries) {
  const section = document.getElementById("timeline");
  if (section.hidden || !state.selected) return;
  const id = String(state.selected.id);
  const mine = entries.filter((e) => JSON.stringify([e.path, e.query, e.body, e.response]).includes(id));
  const list = section.querySelector(".order-requests");
  const key = JSON.stringify(mine.map((e) => e.id));
  if (state.shown.orderRequests === key) return;
  state.shown.orderRequests = key;
  list.replaceChildren(
    ...(mine.length
      ? mine.map((e) => el("li", { text: `${time(e.time)} ${e.method} ${e.path} ${e.status ?? "…"}${e.fault ? ` (fault ${e.fault.rule}: ${e.fault.action})` : ""}` }))
      : [el("li", { text: "none in the journal's newest entries" })]),
  );
}

function showAccounts(overview) {
  const accounts = Object.entries(overview.apis).flatMap(([api, part]) =>
    part.accounts.map((a) => ({ api, ...a })),
  );
  fill(document.getElementById("accounts"), "accounts", accounts, () =>
    accounts.length
      ? accounts.map((a) => row(overview.apis[a.api].title, a.api_key, money(a.balance, a.currency), a.callback_url || ""))
      : [row("no accounts")],
  );
  const select = document.getElementById("account-api");
  const options = Object.entries(overview.apis).filter(([, part]) => part.adds_accounts);
  if (select.options.length !== options.length) {
    select.replaceChildren(...options.map(([api, part]) => el("option", { value: api, text: part.title })));
  }
}

function showRequests(journal) {
  const table = document.getElementById("requests");
  table.querySelector("caption .count").textContent = `(${journal.count} shown)`;
  const entries = [...journal.requests].reverse();
  fill(table, "requests", entries.map((e) => [e.id, e.status, e.fault]), () =>
    entries.length
      ? entries.map((e) => row(time(e.time), e.api, `${e.method} ${e.path}`, e.operation || "", e.status ?? "held", e.fault ? `${e.fault.rule}: ${e.fault.action}` : ""))
      : [row("no requests match")],
  );
  showOrderRequests(journal.requests);
}

function showCallbacks(log) {
  const callbacks = [...log.callbacks].reverse();
  fill(document.getElementById("callbacks"), "callbacks", callbacks, () =>
    callbacks.length
      ? callbacks.map((c) => {
          const attempts = el("ol", { class: "attempts" }, ...c.attempts.map((a) =>
            el("li", { text: `${time(a.at)}: ${a.status ?? a.error}` })));
          return row(c.api, c.url, c.state, attempts, c.next_attempt_at ? time(c.next_attempt_at) : "");
        })
      : [row("no callbacks sent")],
  );
}

function showScenario(overview) {
  const s = overview.scenario;
  document.getElementById("scenario-now").textContent =
    `In force: ${s.name}${s.description ? `: ${s.description}` : ""} (seed ${s.seed})`;
  const select = document.getElementById("scenario-name");
  if (select.options.length !== overview.scenarios.length) {
    select.replaceChildren(...overview.scenarios.map((n) => el("option", { value: n, text: n })));
  }
  if (document.activeElement !== select && !select.dataset.touched) select.value = s.name;
  const text = JSON.stringify(s.data, null, 2);
  const pre = document.getElementById("scenario-data");
  if (pre.textContent !== text) pre.textContent = text;
}

// -- polling and actions --------------------------------------------------------------------
function journalQuery() {
  const form = document.getElementById("journal-filter");
  const params = new URLSearchParams({ limit: "50" });
  for (const name of ["api", "operation", "status"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return `/_mock/requests?${params}`;
}

let timer = null;
async function refresh() {
  clearTimeout(timer);
  try {
    const [overview, journal, callbacks] = await Promise.all([
      call("GET", "/_mock/overview"),
      call("GET", journalQuery()),
      call("GET", "/_mock/callbacks?limit=50"),
    ]);
    unlocked();
    showClock(overview);
    showOrders(overview);
    showAccounts(overview);
    showRequests(journal);
    showCallbacks(callbacks);
    showScenario(overview);
  } catch (error) {
    if (error instanceof Unauthorized) return locked(state.token ? "That token is not this simulator's." : "");
    say(`Could not refresh: ${error.message}`, true);
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

async function act(done, method, path, body, detail = () => "") {
  try {
    const answer = await call(method, path, body);
    say(`${done}${detail(answer)}.`);
  } catch (error) {
    if (error instanceof Unauthorized) return locked("The token was refused.");
    say(`${done.replace(/^\w+/, (w) => `Could not ${w.toLowerCase()}`)}: ${error.message}`, true);
  }
  state.shown = {};
  refresh();
}

// The simulated wallet pays an order's invoice: its payment request first, then the payment.
async function pay(orderId, paymentHash) {
  let invoice;
  try {
    invoice = await call("GET", `/_mock/lightning/invoices/${encodeURIComponent(paymentHash)}`);
  } catch (error) {
    if (error instanceof Unauthorized) return locked("The token was refused.");
    return say(`Could not read the invoice of ${short(orderId)}: ${error.message}`, true);
  }
  act(`Paid the invoice of ${short(orderId)}`, "POST", "/_mock/lightning/pay",
    { payreq: invoice.payreq }, (paid) => `: it is ${paid.state}`);
}

function locked(problem) {
  clearTimeout(timer);
  document.getElementById("world").hidden = true;
  const form = document.getElementById("token-form");
  form.hidden = false;
  document.getElementById("token-problem").textContent = problem;
  document.getElementById("clock").textContent = "Locked: the control API needs its token.";
  document.getElementById("token").focus();
}

function unlocked() {
  document.getElementById("token-form").hidden = true;
  document.getElementById("world").hidden = false;
}

function wire() {
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = document.getElementById("token").value;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    refresh();
  });
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () =>
      act(`Advanced the clock ${button.dataset.advance}`, "POST", "/_mock/clock/advance",
        { duration: button.dataset.advance },
        (clock) => `: ${clock.events_run} events ran, now ${time(clock.now)}`));
  }
  const filter = document.getElementById("journal-filter");
  filter.addEventListener("input", () => refresh());
  filter.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  const scenario = document.getElementById("scenario-form");
  scenario.elements.name.addEventListener("change", () => { scenario.elements.name.dataset.touched = "1"; });
  scenario.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = scenario.elements.name.value;
    delete scenario.elements.name.dataset.touched;
    act(`Switched to the scenario ${name}, keeping the world's state`, "PUT", "/_mock/scenario", { name });
  });
  document.getElementById("reset").addEventListener("click", () => {
    const name = scenario.elements.name.value;
    delete scenario.elements.name.dataset.touched;
    act(`Reset the world to the scenario ${name}`, "POST", "/_mock/reset", { scenario: name });
  });
  document.getElementById("account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target.elements;
    const api = form.api.value;
    const body = { api_key: form.api_key.value.trim() };
    const balance = form.balance.value.trim();
    if (balance) body.balance = api === "smsverify" ? balance : Number(balance);
    if (form.callback_url.value.trim() && api === "smsverify") body.callback_url = form.callback_url.value.trim();
    act(`Added the account ${body.api_key} to ${api}`, "POST", `/_mock/${api}/accounts`, body,
      (account) => `: its balance is ${account.balance}`);
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  refresh();
}

document.addEventListener("DOMContentLoaded", wire);
