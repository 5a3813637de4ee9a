// aisd console: the shell, the API client and the management pages. Every
// action is a call to aisd's own authenticated APIs (admin, IAM, service
// routes, S3), signed or token-authenticated here in the browser.
import { signSDK, signS3 } from "./sign.js";
import { tryPage } from "./tryit.js";

const enc = new TextEncoder();

// ---- state ----

export const S = {
  auth: null,      // {kind:"aksk", ak, sk} or {kind:"token", token, domain, user, password}
  me: null,        // GET /v1/admin/me
  projects: [],    // [{id, name, domain_id, domain_name}]
  project: "",     // the project pages act on
  apis: [],        // apis.json
  s3: "",          // S3 API endpoint
};
const projectTokens = new Map(); // project id -> token (password sign-in)

// ---- DOM helpers ----

// h builds an element: h("tag.class#id", {attr|on*: …}, children…).
export function h(spec, attrs = {}, ...kids) {
  const [, tag, rest] = spec.match(/^([a-z0-9]+)(.*)$/i);
  const el = document.createElement(tag);
  for (const m of rest.matchAll(/([.#])([\w-]+)/g)) {
    if (m[1] === ".") el.classList.add(m[2]);
    else el.id = m[2];
  }
  if (attrs === null || typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs)) {
    kids.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
  return el;
}

const $ = (sel, root = document) => root.querySelector(sel);

export function table(cols, rows, { empty = "none", id } = {}) {
  return h("table", { id },
    h("thead", h("tr", cols.map((c) => h("th", c.title)))),
    h("tbody", rows.length ? rows.map((r) => h("tr", cols.map((c) => h("td", c.cell(r)))))
      : h("tr", h("td.empty", { colspan: cols.length }, empty))));
}

export function toast(msg, kind = "error") {
  const t = h("div.toast." + kind, { role: "status" }, msg);
  $("#toasts").append(t);
  setTimeout(() => t.remove(), kind === "error" ? 8000 : 3000);
}

// errorBox renders an API error the way the API answered it.
export function errorBox(err) {
  if (err instanceof ApiError) {
    return h("div.error", { "data-code": err.code },
      h("b", `${err.status} ${err.code || ""}`), " ", err.msg || err.text || "",
      err.requestId ? h("small", ` request ${err.requestId}`) : null);
  }
  return h("div.error", String(err && err.message || err));
}

export function copyButton(label, text) {
  return h("button.small", { type: "button", onclick: async (e) => {
    const t = typeof text === "function" ? text() : text;
    try { await navigator.clipboard.writeText(t); toast("copied", "ok"); }
    catch { e.target.closest("section, div").querySelector("pre")?.focus(); toast("select and copy the text", "ok"); }
  } }, label);
}

// ---- API client ----

export class ApiError extends Error {
  constructor(r) {
    super(`${r.status} ${r.json?.error_code || ""} ${r.json?.error_msg || r.text}`);
    Object.assign(this, { status: r.status, code: r.json?.error_code, msg: r.json?.error_msg, text: r.text,
      requestId: r.headers.get("X-Request-Id"), response: r });
  }
}

// token returns the token for a call: the domain-scoped one for the
// management APIs, one scoped to the project for a service call (the
// gateway wants that), asked for with the password kept in memory only.
async function token(project) {
  const a = S.auth;
  if (!project) return a.token;
  if (projectTokens.has(project)) return projectTokens.get(project);
  const r = await login(a.domain, a.user, a.password, project);
  projectTokens.set(project, r.token);
  return r.token;
}

// call sends a request as the signed-in user and returns the whole
// exchange: the request as sent and the response as received.
export async function call(method, path, { query, body, project, contentType } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== "") url.searchParams.append(k, v);
  let bytes = null;
  if (body !== undefined && body !== null) bytes = typeof body === "string" ? enc.encode(body) : body instanceof Uint8Array ? body : enc.encode(JSON.stringify(body));
  let headers = {};
  if (bytes) headers["Content-Type"] = contentType || "application/json";
  if (S.auth.kind === "aksk") {
    headers = await signSDK({ method, url, headers, body: bytes, ak: S.auth.ak, sk: S.auth.sk });
  } else {
    headers["X-Auth-Token"] = await token(project);
  }
  const started = performance.now();
  const res = await fetch(url, { method, headers, body: bytes, cache: "no-store" });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, ok: res.ok, headers: res.headers, text, json, ms: Math.round(performance.now() - started),
    request: { method, url: url.href, headers, body: bytes } };
}

export async function api(method, path, opts) {
  const r = await call(method, path, opts);
  if (!r.ok) throw new ApiError(r);
  return r.json;
}

// login asks IAM for a token (POST /v3/auth/tokens, password method).
async function login(domain, user, password, project) {
  const scope = project ? { project: { id: project } } : { domain: { name: domain } };
  const res = await fetch("/v3/auth/tokens", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: user, password, domain: { name: domain } } } }, scope } }) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError({ status: res.status, json, text, headers: res.headers });
  return { token: res.headers.get("X-Subject-Token"), body: json };
}

// s3 sends a SigV4-signed request to the S3 API (AK/SK sign-in only).
export async function s3(method, path, { query, body, contentType } = {}) {
  if (S.auth.kind !== "aksk") throw new Error("The object storage API takes AK/SK signatures: sign in with an access key to browse it.");
  const url = new URL(S.s3.replace(/\/$/, "") + path);
  for (const [k, v] of Object.entries(query || {})) url.searchParams.append(k, v);
  const headers = await signS3({ method, url, body, ak: S.auth.ak, sk: S.auth.sk });
  if (contentType) headers["Content-Type"] = contentType;
  const res = await fetch(url, { method, headers, body });
  const text = method === "GET" && path.split("/").length > 2 ? null : await res.text();
  if (!res.ok) {
    const doc = new DOMParser().parseFromString(text || "", "application/xml");
    const code = doc.querySelector("Code")?.textContent, msg = doc.querySelector("Message")?.textContent;
    throw new ApiError({ status: res.status, json: { error_code: code, error_msg: msg }, text, headers: res.headers });
  }
  return { res, xml: text ? new DOMParser().parseFromString(text, "application/xml") : null };
}

// ---- sign-in ----

function loginPage() {
  const err = h("div");
  const tab = (name) => {
    for (const b of document.querySelectorAll("#login .tabs button")) b.classList.toggle("on", b.dataset.tab === name);
    $("#login-password").hidden = name !== "password";
    $("#login-aksk").hidden = name !== "aksk";
  };
  const s3default = `${location.protocol}//${location.hostname}:8081`;
  const done = async (auth) => {
    err.replaceChildren();
    try {
      S.auth = auth;
      S.s3 = $("#s3-endpoint").value.trim() || s3default;
      await start();
    } catch (e) {
      S.auth = null;
      err.replaceChildren(errorBox(e));
    }
  };
  const box = h("div.login#login",
    h("h1", "aisd console"),
    h("div.tabs",
      h("button", { type: "button", "data-tab": "password", class: "on", onclick: () => tab("password") }, "Password"),
      h("button", { type: "button", "data-tab": "aksk", onclick: () => tab("aksk") }, "Access key")),
    h("form#login-password", { onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target;
      try {
        const r = await login(f.domain.value.trim(), f.user.value.trim(), f.password.value);
        await done({ kind: "token", token: r.token, domain: f.domain.value.trim(), user: f.user.value.trim(), password: f.password.value });
      } catch (x) { err.replaceChildren(errorBox(x)); }
    } },
      h("label", "Account (domain)", h("input", { name: "domain", value: "root", autocomplete: "organization" })),
      h("label", "User", h("input", { name: "user", value: "root", autocomplete: "username" })),
      h("label", "Password", h("input", { name: "password", type: "password", autocomplete: "current-password" })),
      h("button#login-submit", { type: "submit" }, "Sign in")),
    h("form#login-aksk", { hidden: true, onsubmit: (e) => {
      e.preventDefault();
      done({ kind: "aksk", ak: e.target.ak.value.trim(), sk: e.target.sk.value.trim() });
    } },
      h("label", "Access key (AK)", h("input", { name: "ak", autocomplete: "username" })),
      h("label", "Secret key (SK)", h("input", { name: "sk", type: "password", autocomplete: "current-password" })),
      h("button#aksk-submit", { type: "submit" }, "Sign in")),
    h("details", h("summary", "Object storage endpoint"),
      h("label", "S3 API", h("input#s3-endpoint", { placeholder: s3default }))),
    h("p.hint", "The root user's password is the root secret key; `aisd serve` prints the root access key at start."),
    err);
  $("#root").replaceChildren(box);
}

// start loads who the caller is and what it reaches, then shows the app.
async function start() {
  S.apis = (await (await fetch("apis.json")).json()).apis;
  S.me = await api("GET", "/v1/admin/me");
  S.projects = [];
  if (S.me.user.admin) {
    const { domains } = await api("GET", "/v1/admin/domains");
    for (const d of domains) {
      const { projects } = await api("GET", `/v1/admin/domains/${d.id}/projects`);
      for (const p of projects) S.projects.push({ ...p, domain_name: d.name });
    }
  } else {
    const { projects } = await api("GET", "/v3/projects");
    for (const p of projects) S.projects.push({ ...p, domain_name: S.me.domain.name });
  }
  const own = S.projects.find((p) => p.domain_id === S.me.domain.id);
  S.project = S.me.project_id || own?.id || S.projects[0]?.id || "";
  shell();
  window.addEventListener("hashchange", route);
  route();
}

// ---- shell and routing ----

const pages = [
  { id: "overview", title: "Overview", render: overviewPage },
  { id: "accounts", title: "Accounts", admin: true, render: accountsPage },
  { id: "subscriptions", title: "Subscriptions", admin: true, render: subscriptionsPage },
  { id: "usage", title: "Usage", admin: true, render: usagePage },
  { id: "try", title: "Try it", render: tryPage },
  { id: "jobs", title: "Jobs", admin: true, render: jobsPage },
  { id: "storage", title: "Object storage", render: storagePage },
  { id: "faults", title: "Fault injection", admin: true, render: faultsPage },
  { id: "errors", title: "Error catalog", render: errorsPage },
];

function shell() {
  const role = S.me.root ? "operator (root account)" : S.me.user.admin ? "account administrator" : "user";
  const select = h("select#project", { onchange: (e) => { S.project = e.target.value; route(); } },
    S.projects.map((p) => h("option", { value: p.id, selected: p.id === S.project }, `${p.domain_name} / ${p.name} (${p.id.slice(0, 8)})`)));
  $("#root").replaceChildren(
    h("header.top",
      h("a.brand", { href: "#/overview" }, "aisd"),
      h("label.project", "Project ", select),
      h("span.who#who", { "data-role": S.me.root ? "root" : S.me.user.admin ? "admin" : "user" },
        `${S.me.user.name} @ ${S.me.domain.name} · ${role}`),
      h("button.small", { type: "button", onclick: () => { S.auth = null; projectTokens.clear(); location.hash = ""; location.reload(); } }, "Sign out")),
    h("nav.side", pages.filter((p) => !p.admin || S.me.user.admin).map((p) => h("a", { href: "#/" + p.id, "data-page": p.id }, p.title))),
    h("main#main"),
    h("div#toasts"));
}

// route renders the page the hash names: #/page?project=ID&…
let routeSeq = 0;
async function route() {
  const seq = ++routeSeq;
  const [path, qs] = (location.hash.slice(2) || "overview").split("?");
  const params = new URLSearchParams(qs || "");
  if (params.get("project")) {
    S.project = params.get("project");
    const sel = $("#project");
    if (sel && ![...sel.options].some((o) => o.value === S.project)) sel.append(h("option", { value: S.project }, S.project));
    if (sel) sel.value = S.project;
  }
  const page = pages.find((p) => p.id === path) || pages[0];
  for (const a of document.querySelectorAll("nav.side a")) a.classList.toggle("on", a.dataset.page === page.id);
  const main = $("#main");
  main.replaceChildren(h("h2", page.title), h("p.loading", "loading…"));
  main.dataset.page = page.id;
  delete main.dataset.ready; // tests wait for the page they asked for
  let body;
  try {
    body = await page.render(params);
  } catch (e) {
    body = errorBox(e);
  }
  if (seq !== routeSeq) return; // a later navigation has drawn its page
  main.replaceChildren(h("h2", page.title), body);
  main.dataset.ready = page.id;
}

export function rerender() { route(); }

export function currentProject() { return S.projects.find((p) => p.id === S.project) || { id: S.project, name: S.project }; }

// ---- pages ----

function overviewPage() {
  const p = currentProject();
  return h("div",
    h("dl.facts",
      h("dt", "Signed in as"), h("dd", `${S.me.user.name} (${S.me.user.id})`),
      h("dt", "Account"), h("dd", `${S.me.domain.name} (${S.me.domain.id}), ${S.me.domain.state}${S.me.domain.paid ? ", paid" : ""}`),
      h("dt", "Role"), h("dd", S.me.root ? "operator: every account" : S.me.user.admin ? "administrator of this account" : "user"),
      h("dt", "Project"), h("dd", `${p.name} (${p.id})`),
      h("dt", "Endpoint"), h("dd", location.origin),
      h("dt", "Authentication"), h("dd", S.auth.kind === "aksk" ? `AK/SK ${S.auth.ak}` : "IAM token (password)")),
    h("p", "Start with ", h("a", { href: "#/try" }, "Try it"), ": drop an image, pick an API, and see what it finds drawn over the image."));
}

// Accounts: domains, their projects and users, users' credentials.
async function accountsPage(params) {
  const { domains } = await api("GET", "/v1/admin/domains");
  const domainID = params.get("domain") || S.me.domain.id;
  const wrap = h("div.grid");
  const domainsCard = h("section.card",
    h("h3", "Accounts (domains)"),
    table([
      { title: "Name", cell: (d) => h("a", { href: "#/accounts?domain=" + d.id }, d.name) },
      { title: "ID", cell: (d) => h("code", d.id) },
      { title: "State", cell: (d) => d.state },
      { title: "Paid", cell: (d) => (d.paid ? "yes" : "no") },
      { title: "", cell: (d) => S.me.root && d.id !== S.me.domain.id ? h("button.small", { type: "button", onclick: async () => {
        await act(() => api("POST", `/v1/admin/domains/${d.id}/state`, { body: { state: d.state === "frozen" ? "active" : "frozen" } }), "state changed");
      } }, d.state === "frozen" ? "Unfreeze" : "Freeze") : "" },
    ], domains, { id: "domains" }),
    S.me.root ? h("form.inline#create-domain", { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api("POST", "/v1/admin/domains", { body: { name: e.target.name.value.trim(), paid: e.target.paid.checked } });
        S.projects.push({ ...r.project, domain_name: r.domain.name });
        toast("account created", "ok");
        shell();
        route();
      } catch (x) { toast(x.message); }
    } }, h("input", { name: "name", placeholder: "new account name", required: true }),
      h("label.check", h("input", { type: "checkbox", name: "paid" }), "paid"), h("button", { type: "submit" }, "Create account")) : null);
  wrap.append(domainsCard);

  const [{ projects }, { users }] = await Promise.all([
    api("GET", `/v1/admin/domains/${domainID}/projects`), api("GET", `/v1/admin/domains/${domainID}/users`)]);
  const dname = domains.find((d) => d.id === domainID)?.name || domainID;
  wrap.append(h("section.card",
    h("h3", `Projects of ${dname}`),
    table([
      { title: "Name", cell: (p) => p.name },
      { title: "ID", cell: (p) => h("code", p.id) },
      { title: "", cell: (p) => h("button.small", { type: "button", onclick: () => { S.project = p.id; location.hash = "#/subscriptions?project=" + p.id; } }, "Use") },
    ], projects, { id: "projects" }),
    h("form.inline#create-project", { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api("POST", `/v1/admin/domains/${domainID}/projects`, { body: { name: e.target.name.value.trim() } });
        S.projects.push({ ...r.project, domain_name: dname });
        toast("project created", "ok");
        shell(); // the project picker lists it
        route();
      } catch (x) { toast(x.message); }
    } }, h("input", { name: "name", placeholder: "new project name (e.g. cn-east-3)", required: true }), h("button", { type: "submit" }, "Create project"))));

  const userID = params.get("user");
  wrap.append(h("section.card",
    h("h3", `Users of ${dname}`),
    table([
      { title: "Name", cell: (u) => h("a", { href: `#/accounts?domain=${domainID}&user=${u.id}` }, u.name) },
      { title: "ID", cell: (u) => h("code", u.id) },
      { title: "Admin", cell: (u) => (u.admin ? "yes" : "no") },
    ], users, { id: "users" }),
    h("form.inline#create-user", { onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target;
      await act(() => api("POST", `/v1/admin/domains/${domainID}/users`, { body: { name: f.name.value.trim(), password: f.password.value, admin: f.admin.checked } }), "user created");
    } }, h("input", { name: "name", placeholder: "user name", required: true }),
      h("input", { name: "password", type: "password", placeholder: "password (8+ characters)", required: true, minlength: 8 }),
      h("label.check", h("input", { type: "checkbox", name: "admin" }), "administrator"), h("button", { type: "submit" }, "Create user"))));

  if (userID) wrap.append(await credentialsCard(users.find((u) => u.id === userID) || { id: userID, name: userID }));
  return wrap;
}

// act runs a change, says how it went, and redraws the page.
async function act(fn, ok) {
  try {
    const r = await fn();
    toast(ok, "ok");
    rerender();
    return r;
  } catch (e) {
    toast(e.message);
    throw e;
  }
}

async function credentialsCard(user) {
  const { credentials } = await api("GET", `/v1/admin/users/${user.id}/credentials`);
  const secret = h("div#new-secret");
  const create = async (description) => {
    const { credential } = await api("POST", `/v1/admin/users/${user.id}/credentials`, { body: { description } });
    return credential;
  };
  // The secret is shown once, here, and never again: the API keeps only
  // what it needs to verify signatures.
  const show = (c) => secret.replaceChildren(h("div.secret",
    h("p", h("b", "Secret key, shown only once: "), "store it now."),
    h("dl.facts", h("dt", "AK"), h("dd", h("code#new-ak", c.access)), h("dt", "SK"), h("dd", h("code#new-sk", c.secret))),
    copyButton("Copy as environment variables", `export AISD_AK=${c.access}\nexport AISD_SK=${c.secret}`)));
  const list = h("div");
  const draw = (creds) => list.replaceChildren(table([
    { title: "Access key", cell: (c) => h("code", c.access) },
    { title: "Description", cell: (c) => c.description },
    { title: "Created", cell: (c) => c.created_at },
    { title: "", cell: (c) => h("span",
      h("button.small", { type: "button", onclick: async () => {
        try { const n = await create(`rotated from ${c.access}`); await api("DELETE", `/v1/admin/credentials/${c.access}`); await refresh(); show(n); }
        catch (e) { toast(e.message); }
      } }, "Rotate"),
      h("button.small.danger", { type: "button", onclick: async () => {
        if (!confirm(`Delete ${c.access}? Clients using it stop working.`)) return;
        try { await api("DELETE", `/v1/admin/credentials/${c.access}`); await refresh(); toast("key deleted", "ok"); }
        catch (e) { toast(e.message); }
      } }, "Delete")) },
  ], creds, { id: "credentials" }));
  const refresh = async () => draw((await api("GET", `/v1/admin/users/${user.id}/credentials`)).credentials);
  draw(credentials);
  return h("section.card",
    h("h3", `Access keys of ${user.name}`), list,
    h("form.inline#create-key", { onsubmit: async (e) => {
      e.preventDefault();
      try { const c = await create(e.target.description.value.trim()); await refresh(); show(c); }
      catch (x) { toast(x.message); }
    } }, h("input", { name: "description", placeholder: "description" }), h("button", { type: "submit" }, "Create access key")),
    secret);
}

export function services() {
  return [...new Set(S.apis.map((a) => a.service))].sort();
}

function monthStart() {
  const d = new Date();
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

async function subscriptionsPage() {
  const pid = S.project;
  const [subs, usage] = await Promise.all([
    api("GET", `/v1/admin/projects/${pid}/subscriptions`),
    api("GET", "/v1/admin/usage", { query: { project_id: pid, from: monthStart() } }).catch(() => null)]);
  const on = new Set(subs.services);
  const byService = {};
  for (const a of S.apis) byService[a.service] = byService[a.service] || a.family;
  const calls = {};
  for (const u of usage?.usage || []) {
    const svc = S.apis.find((a) => a.operation === u.api)?.service || u.api;
    calls[svc] = calls[svc] || { calls: 0, success: 0 };
    calls[svc].calls += u.calls;
    calls[svc].success += u.success;
  }
  let limit = "default";
  try { limit = (await api("GET", `/v1/admin/projects/${pid}/settings/ratelimit`)).value; } catch { /* unset */ }
  return h("div",
    h("p", `Project ${currentProject().name} (${pid}). Rate limit: ${limit}. Calls this month are what the free allowance counts (successful calls); paid accounts have none.`),
    table([
      { title: "Service", cell: (s) => h("code", s) },
      { title: "Family", cell: (s) => byService[s] },
      { title: "Subscribed", cell: (s) => h("input", { type: "checkbox", "data-service": s, checked: on.has(s), onchange: async (e) => {
        const m = e.target.checked ? "PUT" : "DELETE";
        try { await api(m, `/v1/admin/projects/${pid}/subscriptions/${s}`); toast(`${s} ${e.target.checked ? "subscribed" : "unsubscribed"}`, "ok"); }
        catch (x) { e.target.checked = !e.target.checked; toast(x.message); }
      } }) },
      { title: "Calls this month", cell: (s) => (calls[s] ? `${calls[s].success} ok / ${calls[s].calls}` : "0") },
      { title: "Object storage", cell: (s) => h("button.small", { type: "button", title: "let the service read this project's buckets (agency)", onclick: async () => {
        try { await api("PUT", `/v1/admin/projects/${pid}/agencies/${s}`, { body: { granted: true } }); toast(`${s} may read your buckets`, "ok"); }
        catch (x) { toast(x.message); }
      } }, "Grant") },
    ], services(), { id: "subscriptions" }));
}

// ---- charts (plain SVG) ----

const palette = ["#2f6fde", "#e0663a", "#2a9d6f", "#9b5de5", "#d4a017", "#c23b6e", "#3aa3c9", "#777"];

// barChart draws stacked bars: groups [{label, parts:[{key, value}]}].
export function barChart(groups, { height = 220, title = "" } = {}) {
  const NS = "http://www.w3.org/2000/svg";
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const keys = [...new Set(groups.flatMap((g) => g.parts.map((p) => p.key)))];
  const max = Math.max(1, ...groups.map((g) => g.parts.reduce((s, p) => s + p.value, 0)));
  const bw = 28, gap = 10, left = 40, bottom = 40, width = Math.max(300, left + groups.length * (bw + gap) + 10);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height + 20}`, width, height: height + 20, role: "img", "aria-label": title, class: "chart" });
  const y = (v) => height - bottom - (v / max) * (height - bottom - 10);
  for (const t of new Set([0, Math.round(max / 2), max])) {
    svg.append(el("line", { x1: left - 4, x2: width, y1: y(t), y2: y(t), class: "grid" }));
    svg.append(el("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "axis" }, Math.round(t)));
  }
  groups.forEach((g, i) => {
    const x = left + i * (bw + gap);
    let acc = 0;
    for (const p of g.parts) {
      if (!p.value) continue;
      const r = el("rect", { x, y: y(acc + p.value), width: bw, height: y(acc) - y(acc + p.value), fill: palette[keys.indexOf(p.key) % palette.length], "data-key": p.key, "data-value": p.value });
      r.append(el("title", {}, `${g.label} ${p.key}: ${p.value}`));
      svg.append(r);
      acc += p.value;
    }
    svg.append(el("text", { x: x + bw / 2, y: height - bottom + 14, "text-anchor": "middle", class: "axis" }, g.label.slice(5)));
  });
  keys.forEach((k, i) => {
    svg.append(el("rect", { x: left + (i % 4) * 160, y: height - 12 + Math.floor(i / 4) * 14, width: 10, height: 10, fill: palette[i % palette.length] }));
    svg.append(el("text", { x: left + (i % 4) * 160 + 14, y: height - 3 + Math.floor(i / 4) * 14, class: "legend" }, k.length > 22 ? k.slice(0, 21) + "…" : k));
  });
  return svg;
}

function isoDay(d) { return d.toISOString().slice(0, 10); }

async function usagePage(params) {
  const pid = S.project;
  const to = params.get("to") || isoDay(new Date());
  const from = params.get("from") || isoDay(new Date(Date.now() - 13 * 864e5));
  const [u, e] = await Promise.all([
    api("GET", "/v1/admin/usage", { query: { project_id: pid, from, to } }),
    api("GET", "/v1/admin/usage/errors", { query: { project_id: pid, from, to } })]);
  const days = [];
  for (let d = new Date(from + "T00:00:00Z"); isoDay(d) <= to; d = new Date(d.getTime() + 864e5)) days.push(isoDay(d));
  const perDay = days.map((day) => ({ label: day, parts: [
    { key: "succeeded", value: u.usage.filter((r) => r.day === day).reduce((s, r) => s + r.success, 0) },
    { key: "failed", value: u.usage.filter((r) => r.day === day).reduce((s, r) => s + r.calls - r.success, 0) }] }));
  const apis = [...new Set(u.usage.map((r) => r.api))];
  const perAPI = days.map((day) => ({ label: day, parts: apis.map((a) => ({ key: a, value: u.usage.filter((r) => r.day === day && r.api === a).reduce((s, r) => s + r.calls, 0) })) }));
  const codes = {};
  for (const r of e.errors) codes[r.code] = (codes[r.code] || 0) + r.calls;
  const perCode = days.map((day) => ({ label: day, parts: Object.keys(codes).map((c) => ({ key: c, value: e.errors.filter((r) => r.day === day && r.code === c).reduce((s, r) => s + r.calls, 0) })) }));
  return h("div",
    h("form.inline", { onsubmit: (ev) => { ev.preventDefault(); location.hash = `#/usage?${new URLSearchParams({ project: pid, from: ev.target.from.value, to: ev.target.to.value })}`; } },
      h("label", "From ", h("input", { type: "date", name: "from", value: from })), h("label", "To ", h("input", { type: "date", name: "to", value: to })), h("button", { type: "submit" }, "Show")),
    h("p#usage-totals", `${u.total_calls} calls, ${u.total_success} succeeded, ${e.total_errors} failed.`),
    h("section.card", h("h3", "Calls per day"), barChart(perDay, { title: "calls per day" })),
    h("section.card", h("h3", "Calls per day and API"), barChart(perAPI, { title: "calls per API" })),
    h("section.card#errors-by-code", h("h3", "Errors by code"), barChart(perCode, { title: "errors by code" }),
      table([{ title: "Code", cell: ([c]) => h("a", { href: "#/errors?q=" + c }, c) }, { title: "Calls", cell: ([, n]) => n }], Object.entries(codes))),
    h("section.card", h("h3", "Per API"), table([
      { title: "Day", cell: (r) => r.day }, { title: "API", cell: (r) => r.api }, { title: "Calls", cell: (r) => r.calls }, { title: "Succeeded", cell: (r) => r.success }], u.usage)));
}

// Jobs are listed from GET /v1/admin/jobs and looked up by id; the ones
// started from Try it are remembered in this browser with their API.
export function rememberJob(project, id, operation) {
  const key = "aisd.jobs." + project;
  const list = JSON.parse(localStorage.getItem(key) || "[]").filter((j) => j.id !== id);
  list.unshift({ id, operation, at: new Date().toISOString() });
  localStorage.setItem(key, JSON.stringify(list.slice(0, 50)));
}

async function jobsPage(params) {
  const known = JSON.parse(localStorage.getItem("aisd.jobs." + S.project) || "[]");
  const out = h("div#job");
  const show = async (id) => {
    out.replaceChildren(h("p.loading", "loading…"));
    try {
      const { job } = await api("GET", `/v1/admin/jobs/${encodeURIComponent(id)}`);
      out.replaceChildren(h("section.card",
        h("h3", `Job ${job.id}`),
        h("dl.facts",
          h("dt", "Kind"), h("dd", job.kind), h("dt", "State"), h("dd.state", job.state),
          h("dt", "Attempts"), h("dd", job.attempts),
          job.error_code ? [h("dt", "Error"), h("dd", `${job.error_code} ${job.error_msg}`)] : null,
          h("dt", "Callback"), h("dd", job.callback_url ? `${job.callback_url}: ${job.callback_state || "none"}, ${job.callback_attempts} attempt(s)` : "none"),
          h("dt", "Created"), h("dd", job.created_at), h("dt", "Updated"), h("dd", job.updated_at)),
        h("h4", "Result"), h("pre.json", JSON.stringify(job.result ?? null, null, 2)),
        h("h4", "Request"), h("pre.json", JSON.stringify(job.request ?? null, null, 2))));
    } catch (e) { out.replaceChildren(errorBox(e)); }
  };
  if (params.get("id")) await show(params.get("id")); // drawn before the page says it is ready
  // The project's jobs from the admin API, newest first; jobs started from
  // Try it in this browser are shown with the API they called.
  let listed = [];
  try { ({ jobs: listed } = await api("GET", `/v1/admin/jobs?project_id=${encodeURIComponent(S.project)}&limit=100`)); } catch (e) { listed = null; }
  const op = Object.fromEntries(known.map((j) => [j.id, j.operation]));
  return h("div",
    h("form.inline", { onsubmit: (e) => { e.preventDefault(); show(e.target.id.value.trim()); } },
      h("input", { name: "id", placeholder: "job id", value: params.get("id") || "", size: 40 }), h("button", { type: "submit" }, "Look up")),
    listed && listed.length ? h("div#jobs-list", table([
      { title: "Job", cell: (j) => h("a", { href: `#/jobs?id=${j.id}` }, j.id) }, { title: "Kind", cell: (j) => op[j.id] || j.kind },
      { title: "State", cell: (j) => j.state }, { title: "Callback", cell: (j) => j.callback_url ? `${j.callback_state || "none"}, ${j.callback_attempts}` : "none" },
      { title: "Created", cell: (j) => j.created_at }], listed))
      : h("p", listed ? "This project has no jobs yet (video and audio moderation start them)." : "The job list could not be read."),
    out);
}

async function storagePage(params) {
  if (S.auth.kind !== "aksk") return h("p.error", "The object storage API (S3) takes AK/SK signatures: sign in with an access key to browse buckets.");
  const bucket = params.get("bucket");
  const wrap = h("div");
  wrap.append(h("p", `S3 API at ${S.s3}; objects are read by the services as obs://BUCKET/KEY.`));
  const { xml } = await s3("GET", "/");
  const buckets = [...xml.querySelectorAll("Bucket")].map((b) => ({ name: b.querySelector("Name").textContent, created: b.querySelector("CreationDate").textContent }));
  wrap.append(h("section.card", h("h3", "Buckets"),
    table([
      { title: "Name", cell: (b) => h("a", { href: "#/storage?bucket=" + b.name }, b.name) },
      { title: "Created", cell: (b) => b.created },
      { title: "", cell: (b) => h("button.small.danger", { type: "button", onclick: () => act(() => s3("DELETE", "/" + b.name), "bucket deleted").catch(() => {}) }, "Delete") }], buckets, { id: "buckets" }),
    h("form.inline", { onsubmit: (e) => { e.preventDefault(); act(() => s3("PUT", "/" + e.target.name.value.trim()), "bucket created").catch(() => {}); } },
      h("input", { name: "name", placeholder: "bucket name", required: true, pattern: "[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]" }), h("button", { type: "submit" }, "Create bucket"))));
  if (bucket) {
    const { xml: list } = await s3("GET", "/" + bucket, { query: { "list-type": "2" } });
    const objs = [...list.querySelectorAll("Contents")].map((c) => ({ key: c.querySelector("Key").textContent, size: +c.querySelector("Size").textContent, modified: c.querySelector("LastModified").textContent }));
    const path = (k) => "/" + bucket + "/" + k.split("/").map(encodeURIComponent).join("/");
    wrap.append(h("section.card", h("h3", `Objects in ${bucket}`),
      table([
        { title: "Key", cell: (o) => h("code", o.key) }, { title: "Size", cell: (o) => o.size }, { title: "Modified", cell: (o) => o.modified },
        { title: "", cell: (o) => h("span",
          h("a.button.small", { href: `#/try?url=${encodeURIComponent(`obs://${bucket}/${o.key}`)}` }, "Try it"),
          h("button.small.danger", { type: "button", onclick: () => act(() => s3("DELETE", path(o.key)), "object deleted").catch(() => {}) }, "Delete")) }], objs, { id: "objects" }),
      h("form.inline", { onsubmit: async (e) => {
        e.preventDefault();
        const f = e.target.file.files[0];
        if (!f) return;
        const key = (e.target.prefix.value || "") + f.name;
        await act(async () => s3("PUT", path(key), { body: new Uint8Array(await f.arrayBuffer()), contentType: f.type || "application/octet-stream" }), "uploaded").catch(() => {});
      } }, h("input", { name: "prefix", placeholder: "key prefix (optional)" }), h("input", { type: "file", name: "file" }), h("button", { type: "submit" }, "Upload"))));
  }
  return wrap;
}

let catalogCache = null;
export async function catalog() {
  if (!catalogCache) catalogCache = (await api("GET", "/v1/error-codes")).error_codes;
  return catalogCache;
}

async function faultsPage() {
  const pid = S.project;
  const [{ faults }, codes] = await Promise.all([api("GET", "/v1/admin/faults", { query: { project_id: pid } }), catalog()]);
  const apiSel = h("select", { name: "api" }, h("option", { value: "*" }, "* (every API)"), S.apis.map((a) => h("option", { value: a.operation }, a.operation)));
  const codeInput = h("input", { name: "code", list: "fault-codes", placeholder: "search the catalog: code or words", autocomplete: "off" });
  const codeList = h("datalist#fault-codes");
  const fillCodes = () => {
    const op = S.apis.find((a) => a.operation === apiSel.value);
    const fam = op?.family;
    codeList.replaceChildren(...codes.filter((c) => !fam || (c.families || []).includes(fam) || !(c.families || []).length)
      .map((c) => h("option", { value: c.error_code }, `${c.status} ${fam ? (c.messages?.[fam] || c.error_msg) : c.error_msg}`)));
  };
  apiSel.addEventListener("change", fillCodes);
  fillCodes();
  const mode = h("select", { name: "mode" }, ["count", "percent", "latency"].map((m) => h("option", { value: m }, m)));
  const amount = h("input", { name: "amount", type: "number", min: 1, value: 1, required: true });
  const unit = h("span", "calls");
  mode.addEventListener("change", () => {
    unit.textContent = { count: "calls", percent: "% of calls", latency: "ms delay" }[mode.value];
    codeInput.disabled = mode.value === "latency";
  });
  return h("div",
    h("p", `Rules apply to the calls of project ${currentProject().name} (${pid}) before the service runs: the call answers the chosen catalog error exactly as the service would.`),
    table([
      { title: "API", cell: (f) => f.api }, { title: "Mode", cell: (f) => f.mode },
      { title: "Code", cell: (f) => f.code || "" },
      { title: "Left / rate", cell: (f) => f.mode === "count" ? `${f.count} left` : f.mode === "percent" ? `${f.percent}%` : `${f.latency_ms} ms` },
      { title: "Created", cell: (f) => f.create_time },
      { title: "", cell: (f) => h("button.small.danger", { type: "button", onclick: () => act(() => api("DELETE", `/v1/admin/faults/${f.id}`), "rule removed").catch(() => {}) }, "Remove") },
    ], faults, { id: "faults", empty: "no rules: calls run normally" }),
    h("form.inline#add-fault", { onsubmit: async (e) => {
      e.preventDefault();
      const n = +amount.value;
      const body = { project_id: pid, api: apiSel.value, mode: mode.value };
      if (mode.value === "count") body.count = n;
      if (mode.value === "percent") body.percent = n;
      if (mode.value === "latency") body.latency_ms = n;
      else body.code = codeInput.value.trim();
      await act(() => api("POST", "/v1/admin/faults", { body }), "rule added").catch(() => {});
    } }, apiSel, mode, amount, unit, codeInput, codeList, h("button", { type: "submit" }, "Add rule")));
}

async function errorsPage(params) {
  const lang = params.get("lang") || "en";
  const { error_codes: codes } = await api("GET", "/v1/error-codes", { query: { lang } });
  const families = [...new Set(codes.flatMap((c) => c.families || []))].sort();
  const q = h("input#catalog-search", { type: "search", placeholder: lang === "zh" ? "搜索错误码或描述" : "search codes and texts", value: params.get("q") || "" });
  const fam = h("select", h("option", { value: "" }, "every family"), families.map((f) => h("option", { value: f }, f)));
  const body = h("div");
  const draw = () => {
    const words = q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const rows = codes.filter((c) => (!fam.value || (c.families || []).includes(fam.value)) &&
      words.every((w) => [c.error_code, c.error_msg, c.description, c.handling, ...Object.values(c.messages || {})].join(" ").toLowerCase().includes(w)));
    body.replaceChildren(h("p.count", `${rows.length} of ${codes.length} codes`), table([
      { title: "Code", cell: (c) => h("code", c.error_code) }, { title: "Status", cell: (c) => c.status },
      { title: lang === "zh" ? "错误信息" : "Message", cell: (c) => (fam.value && c.messages?.[fam.value]) || c.error_msg },
      { title: lang === "zh" ? "描述" : "Description", cell: (c) => c.description },
      { title: lang === "zh" ? "处理措施" : "Handling", cell: (c) => c.handling }], rows, { id: "catalog" }));
  };
  q.addEventListener("input", draw);
  fam.addEventListener("change", draw);
  draw();
  return h("div",
    h("div.inline", q, fam,
      h("a.button.small", { href: "#/errors?lang=en" + (q.value ? "&q=" + encodeURIComponent(q.value) : ""), "aria-pressed": lang === "en" }, "English"),
      h("a.button.small", { href: "#/errors?lang=zh" + (q.value ? "&q=" + encodeURIComponent(q.value) : ""), "aria-pressed": lang === "zh" }, "中文")),
    body);
}

loginPage();
