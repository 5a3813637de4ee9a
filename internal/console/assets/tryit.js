// Try it: call any served API on an image (or a URL), see the request and
// the response exactly, and what the service found drawn over the image;
// copy the call as curl or as Go with the official SDK.
import { S, h, call, errorBox, copyButton, currentProject, rememberJob } from "./app.js";

const NS = "http://www.w3.org/2000/svg";

// The body fields that carry the input: a file goes into the first one
// the API has, a URL into "url".
const fileFields = ["image", "file", "data"];

let picked = null; // {name, type, bytes, b64, objectURL}

function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function skeleton(fields) {
  const out = {};
  for (const f of fields || []) {
    if (!f.required || fileFields.includes(f.name) || f.name === "url") continue;
    out[f.name] = f.type === "object" ? skeleton(f.fields) : f.type === "array" ? [] : f.type === "boolean" ? false : f.type === "string" ? "" : 0;
  }
  return out;
}

export async function tryPage(params) {
  const apis = S.apis.filter((a) => a.method === "POST" || a.params?.length);
  const want = params.get("api") || "RecognizeGeneralText";
  const groups = {};
  for (const a of apis) (groups[a.sdk] = groups[a.sdk] || []).push(a);
  const apiSel = h("select#try-api", Object.entries(groups).map(([sdk, list]) =>
    h("optgroup", { label: sdk }, list.map((a) => h("option", { value: a.operation, selected: a.operation === want }, a.operation)))));
  const urlInput = h("input#try-url", { type: "url", placeholder: "or an image URL (https://…, obs://bucket/key)", value: params.get("url") || "" });
  const fileInput = h("input#try-file", { type: "file", accept: "image/*,application/pdf,video/*,audio/*" });
  const fileName = h("span.filename", picked ? picked.name : "no file");
  const drop = h("div.drop#try-drop", h("p", "Drop an image here, or "), fileInput, fileName);
  const form = h("div.params#try-params");
  const bodyText = h("textarea#try-body", { rows: 8, spellcheck: "false" });
  const pathInputs = h("div.params#try-path");
  const sendBtn = h("button#try-send", { type: "submit" }, "Send");
  const out = h("div#try-out");

  const current = () => S.apis.find((a) => a.operation === apiSel.value);
  const fileField = (a) => fileFields.find((n) => (a.body || []).some((f) => f.name === n && f.type === "string"));

  const choose = async (f) => {
    if (!f) return;
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (picked?.objectURL) URL.revokeObjectURL(picked.objectURL);
    picked = { name: f.name, type: f.type, bytes, b64: b64(bytes), objectURL: URL.createObjectURL(f) };
    fileName.textContent = `${f.name} (${bytes.length} bytes)`;
    urlInput.value = "";
  };
  fileInput.addEventListener("change", () => choose(fileInput.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer.files[0]); });

  // The form edits the JSON body; the JSON is what is sent.
  const readBody = () => { try { return JSON.parse(bodyText.value || "{}"); } catch { return null; } };
  const setField = (name, v) => {
    const b = readBody() || {};
    if (v === undefined) delete b[name]; else b[name] = v;
    bodyText.value = JSON.stringify(b, null, 2);
  };
  const drawForm = () => {
    const a = current();
    const b = skeleton(a.body);
    bodyText.value = JSON.stringify(b, null, 2);
    form.replaceChildren(...(a.body || []).filter((f) => !fileFields.includes(f.name) && f.name !== "url" && ["boolean", "string", "integer", "number"].includes(f.type)).map((f) => {
      let input;
      if (f.type === "boolean") {
        input = h("select", { name: f.name, onchange: (e) => setField(f.name, e.target.value === "" ? undefined : e.target.value === "true") },
          h("option", { value: "" }, "—"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
      } else {
        input = h("input", { name: f.name, type: f.type === "string" ? "text" : "number", step: f.type === "number" ? "any" : "1",
          onchange: (e) => setField(f.name, e.target.value === "" ? undefined : f.type === "string" ? e.target.value : Number(e.target.value)) });
      }
      return h("label", { title: f.required ? "required" : "optional" }, h("code", f.name + (f.required ? " *" : "")), input);
    }));
    pathInputs.replaceChildren(...(a.params || []).map((p) => h("label", h("code", p.name + (p.in === "path" ? " (path)" : " (query)")), h("input", { name: p.name, "data-in": p.in, value: params.get(p.name) || "" }))));
    drop.hidden = !fileField(a);
  };
  apiSel.addEventListener("change", drawForm);
  drawForm();

  const send = async (e) => {
    e.preventDefault();
    const a = current();
    const body = readBody();
    if (body === null) { out.replaceChildren(h("div.error", "The body is not valid JSON.")); return; }
    const ff = fileField(a);
    if (urlInput.value.trim()) body.url = urlInput.value.trim();
    else if (picked && ff) body[ff] = picked.b64;
    let path = a.path.replace("{project_id}", S.project);
    const query = {};
    for (const input of pathInputs.querySelectorAll("input")) {
      if (input.dataset.in === "path") path = path.replace(`{${input.name}}`, encodeURIComponent(input.value.trim()));
      else if (input.value.trim()) query[input.name] = input.value.trim();
    }
    sendBtn.disabled = true;
    out.replaceChildren(h("p.loading", "calling…"));
    try {
      const hasBody = a.method !== "GET";
      const r = await call(a.method, path, { query, body: hasBody ? JSON.stringify(body) : undefined, project: S.project, contentType: "application/json;charset=UTF-8" });
      if (r.ok && r.json?.job_id) rememberJob(S.project, r.json.job_id, a.operation);
      out.replaceChildren(result(a, r, hasBody ? body : null, ff));
    } catch (x) {
      out.replaceChildren(errorBox(x));
    } finally {
      sendBtn.disabled = false;
    }
  };

  return h("form.try#try", { onsubmit: send },
    h("div.row", h("label", "API ", apiSel), sendBtn),
    drop, urlInput,
    h("details", { open: true }, h("summary", "Parameters (from the SDK request model)"), form, pathInputs,
      h("label.block", "Request body (JSON; the file is added as base64 when sent)", bodyText)),
    out);
}

function drawable(type) { return !/^(application\/pdf|video\/|audio\/)/.test(type || ""); }

// elide shortens the base64 of the input in what is shown.
function elide(body, ff) {
  if (!body || !ff || typeof body[ff] !== "string" || body[ff].length < 200) return body;
  return { ...body, [ff]: `${body[ff].slice(0, 48)}… (${body[ff].length} characters of base64)` };
}

function result(a, r, body, ff) {
  const req = r.request;
  const shownHeaders = { ...req.headers };
  if (shownHeaders["X-Auth-Token"]) shownHeaders["X-Auth-Token"] = shownHeaders["X-Auth-Token"].slice(0, 16) + "…";
  const reqText = `${req.method} ${req.url}\n` + Object.entries(shownHeaders).map(([k, v]) => `${k}: ${v}`).join("\n") +
    (body ? "\n\n" + JSON.stringify(elide(body, ff), null, 2) : "");
  const respText = `HTTP ${r.status}\nX-Request-Id: ${r.headers.get("X-Request-Id") || ""}\n\n` + (r.json ? JSON.stringify(r.json, null, 2) : r.text);
  const curl = curlSnippet(a, r, body, ff);
  const goCode = goSnippet(a, r, body, ff);
  return h("div",
    h(r.ok ? "p.status.ok#try-status" : "p.status.bad#try-status", { "data-status": r.status },
      `${r.status} ${r.ok ? "OK" : (r.json?.error_code || "")} ${r.ok ? "" : (r.json?.error_msg || "")} · ${r.ms} ms`),
    // A PDF, video or audio cannot be drawn on: its regions are listed.
    r.ok ? overlay(r.json, ff && body?.[ff] && picked ? (drawable(picked.type) ? picked.objectURL : null) : body?.url && /^https?:/.test(body.url) ? body.url : null) : null,
    h("div.grid2",
      h("section.card", h("h3", "Request (as sent; body formatted, base64 shortened)"), h("pre#try-request", reqText)),
      h("section.card", h("h3", "Response"), h("pre#try-response", respText))),
    h("div.grid2",
      h("section.card", h("h3", "curl ", copyButton("Copy", curl)), h("pre#try-curl", curl)),
      h("section.card", h("h3", "Go SDK ", copyButton("Copy", goCode)), h("pre#try-go", goCode))));
}

// ---- drawing the result over the image ----

const labelKeys = ["words", "plate_number", "label", "tag", "number", "text", "name", "type", "value"];

function labelOf(o) {
  if (!o || typeof o !== "object") return "";
  for (const k of labelKeys) if (typeof o[k] === "string" && o[k]) return o[k];
  return "";
}

function isPoint(p) { return Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === "number"); }
function isPolygon(v) { return Array.isArray(v) && v.length >= 3 && v.every(isPoint); }

// rectOf reads the box shapes the APIs answer: {top_left_x, top_left_y,
// width, height} (numbers, or numeric strings in main object detection)
// and {x, y, w|width, h|height} (faces).
function rectOf(o) {
  const n = (v) => typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));
  const box = (x, y, w, hh) => (n(x) && n(y) && n(w) && n(hh) ? { x: +x, y: +y, w: +w, h: +hh } : null);
  return box(o.top_left_x, o.top_left_y, o.width, o.height) || box(o.x, o.y, o.w ?? o.width, o.h ?? o.height);
}

// shapes finds every box and polygon in an answer with the text or label
// that goes with it: a sibling field (words, plate_number, label…), the
// field name in a map of locations (text_location: {name: [...]}) or the
// nearest label above (a detection's tag). Character boxes are left out:
// the lines say enough.
export function shapes(json) {
  const out = [];
  const walk = (v, key, parent, parentKey, ctx) => {
    if (/char/.test(key)) return;
    if (isPolygon(v)) {
      out.push({ kind: "polygon", points: v, key, label: labelOf(parent) || (/location$/.test(parentKey) ? key : "") || ctx || key });
      return;
    }
    if (Array.isArray(v)) { v.forEach((c) => walk(c, key, parent, parentKey, ctx)); return; }
    if (v && typeof v === "object") {
      const r = rectOf(v);
      if (r) { out.push({ kind: "rect", ...r, key, label: labelOf(v) || labelOf(parent) || ctx || key }); return; }
      const here = labelOf(v) || ctx;
      for (const [k, c] of Object.entries(v)) walk(c, k, v, key, here);
    }
  };
  walk(json, "", null, "", "");
  return out;
}

function overlay(json, src) {
  const found = shapes(json);
  const list = h("ol.found#try-found", found.map((s) => h("li", { "data-kind": s.kind }, s.label)));
  if (!found.length) return h("section.card", h("h3", "Result"), h("p", "Nothing to draw in this answer: see the response below."));
  if (!src) return h("section.card", h("h3", `Result: ${found.length} region(s)`), list);
  const svg = document.createElementNS(NS, "svg");
  svg.id = "try-overlay";
  const img = h("img#try-image", { src, alt: "input" });
  const stage = h("div.stage", img, svg);
  const draw = () => {
    const W = img.naturalWidth, H = img.naturalHeight;
    // Coordinates given as fractions of the image are scaled to it.
    const unit = found.every((s) => s.kind === "rect" && s.x <= 1 && s.y <= 1 && s.w <= 1 && s.h <= 1);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("preserveAspectRatio", "none");
    const fs = Math.max(12, Math.round(H / 40));
    found.forEach((s, i) => {
      const g = document.createElementNS(NS, "g");
      g.setAttribute("class", "shape");
      g.dataset.label = s.label;
      let shape, tx, ty;
      if (s.kind === "polygon") {
        shape = document.createElementNS(NS, "polygon");
        shape.setAttribute("points", s.points.map((p) => p.join(",")).join(" "));
        tx = Math.min(...s.points.map((p) => p[0]));
        ty = Math.min(...s.points.map((p) => p[1]));
      } else {
        const k = unit ? [W, H] : [1, 1];
        shape = document.createElementNS(NS, "rect");
        Object.entries({ x: s.x * k[0], y: s.y * k[1], width: s.w * k[0], height: s.h * k[1] }).forEach(([a, v]) => shape.setAttribute(a, v));
        tx = s.x * k[0];
        ty = s.y * k[1];
      }
      shape.setAttribute("class", "box c" + (i % 6));
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", tx);
      text.setAttribute("y", Math.max(fs, ty - 4));
      text.setAttribute("font-size", fs);
      text.setAttribute("class", "label");
      text.textContent = s.label;
      g.append(shape, text);
      svg.append(g);
    });
    stage.dataset.drawn = String(found.length);
  };
  if (img.complete && img.naturalWidth) draw(); else img.addEventListener("load", draw, { once: true });
  return h("section.card", h("h3", `Result: ${found.length} region(s)`), h("div.result", stage, list));
}

// ---- snippets ----

const sq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

function curlSnippet(a, r, body, ff) {
  const req = r.request;
  const lines = [`curl -X ${req.method} ${sq(req.url)}`];
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === "X-Auth-Token") lines.push(`  -H "X-Auth-Token: $AISD_TOKEN"`);
    else lines.push(`  -H ${sq(`${k}: ${v}`)}`);
  }
  let cmd;
  if (body && ff && picked && body[ff] === picked.b64) {
    // The same bytes as sent: the JSON around the base64 of the file.
    const marker = "\u0000FILE\u0000";
    const [pre, post] = JSON.stringify({ ...body, [ff]: marker }).split(JSON.stringify(marker).slice(1, -1));
    cmd = `(printf '%s' ${sq(pre)}; base64 -w0 ${sq(picked.name)}; printf '%s' ${sq(post)}) |\n` + lines.join(" \\\n") + " \\\n  --data-binary @-";
  } else {
    if (body) lines.push(`  --data-binary ${sq(JSON.stringify(body))}`);
    cmd = lines.join(" \\\n");
  }
  const note = S.auth.kind === "aksk"
    ? "# Signed for this exact body; the signature holds for 15 minutes (X-Sdk-Date).\n"
    : "# AISD_TOKEN: a token scoped to the project (POST /v3/auth/tokens).\n";
  return note + cmd;
}

const clients = { "ocr/v1": ["ocr", "Ocr"], "image/v2": ["image", "Image"], "moderation/v3": ["moderation", "Moderation"] };

function goSnippet(a, r, body, ff) {
  const [pkg, name] = clients[a.sdk];
  const p = currentProject();
  const region = /^[a-z]+-[a-z]+-\d+$/.test(p.name) ? p.name : "cn-north-4";
  const fileField = ff && picked && body?.[ff] === picked.b64 ? (a.body || []).find((f) => f.name === ff) : null;
  const rest = body ? { ...body } : null;
  if (fileField) delete rest[ff];
  const imports = ['"fmt"', '"os"'];
  if (fileField) imports.push('"encoding/base64"');
  if (rest) imports.push('"encoding/json"');
  imports.sort(); // as gofmt would have them
  const args = [];
  for (const input of a.params || []) {
    const v = document.querySelector(`#try-path input[name="${input.name}"]`)?.value || "";
    args.push(`${input.go_name}: ${input.required ? JSON.stringify(v) : `ptr(${JSON.stringify(v)})`}`);
  }
  if (rest) args.push("Body: &body");
  const raw = JSON.stringify(rest);
  const lit = raw && !raw.includes("`") ? "`" + raw + "`" : JSON.stringify(raw);
  return `package main

import (
${imports.map((i) => "\t" + i).join("\n")}

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	${pkg} "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/${a.sdk}"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/${a.sdk}/model"
)

func main() {
	endpoint := ${JSON.stringify(location.origin)}
	auth := basic.NewCredentialsBuilder().
		WithAk(os.Getenv("AISD_AK")).WithSk(os.Getenv("AISD_SK")).
		WithProjectId(${JSON.stringify(p.id)}).
		WithIamEndpointOverride(endpoint).
		Build()
	client := ${pkg}.New${name}Client(${pkg}.${name}ClientBuilder().
		WithRegion(region.NewRegion(${JSON.stringify(region)}, endpoint)).
		WithCredential(auth).
		Build())
${rest ? `
	var body model.${a.body_type}
	if err := json.Unmarshal([]byte(${lit}), &body); err != nil {
		panic(err)
	}` : ""}${fileField ? `
	raw, err := os.ReadFile(${JSON.stringify(picked.name)})
	if err != nil {
		panic(err)
	}
	encoded := base64.StdEncoding.EncodeToString(raw)
	body.${fileField.go_name} = ${fileField.required ? "" : "&"}encoded` : ""}
	resp, err := client.${a.operation}(&model.${a.request}{${args.join(", ")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(resp)
}
${(a.params || []).some((x) => !x.required) ? "\nfunc ptr[T any](v T) *T { return &v }\n" : ""}`;
}
