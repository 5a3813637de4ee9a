// Request signing in the browser with SubtleCrypto, byte for byte as the
// official SDK signs (SDK-HMAC-SHA256, see internal/gateway/signer) and as
// S3 clients sign (AWS SigV4, for the object storage API).

const enc = new TextEncoder();

export function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256(data) {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmac(key, msg) {
  const k = await crypto.subtle.importKey("raw", typeof key === "string" ? enc.encode(key) : key,
    { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(msg));
}

// escape percent-encodes everything but A-Z a-z 0-9 _ - ~ . with upper-case
// hex (the SDK's rule; AWS's too, which keeps "/" in paths).
export function escape(s, keepSlash = false) {
  let out = "";
  for (const b of enc.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_\-~.]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function canonicalQuery(params) {
  const pairs = [];
  for (const [k, v] of params) pairs.push([k, v]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => escape(k) + "=" + escape(v)).join("&");
}

// sdkDate is X-Sdk-Date's layout, 20060102T150405Z.
export function sdkDate(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
}

// signSDK returns the headers that sign a request with an AK/SK as the SDK
// does: X-Sdk-Date and Authorization over every header given except
// Content-Type. url is a URL object; body the exact bytes to be sent.
export async function signSDK({ method, url, headers, body, ak, sk, date = new Date() }) {
  const h = { ...headers, "X-Sdk-Date": sdkDate(date) };
  const names = Object.keys(h).map((k) => k.toLowerCase()).filter((k) => !k.startsWith("content-type") && !k.includes("_")).sort();
  const value = (n) => String(Object.entries(h).find(([k]) => k.toLowerCase() === n)[1]).trim();
  let uri = url.pathname.split("/").map((s) => escape(decodeURIComponent(s))).join("/");
  if (!uri.endsWith("/")) uri += "/";
  const canonical = [
    method, uri, canonicalQuery(url.searchParams),
    names.map((n) => n + ":" + value(n)).join("\n") + "\n",
    names.join(";"),
    await sha256(body || new Uint8Array()),
  ].join("\n");
  const sts = "SDK-HMAC-SHA256\n" + h["X-Sdk-Date"] + "\n" + (await sha256(canonical));
  const sig = hex(await hmac(sk, sts));
  h.Authorization = `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${names.join(";")}, Signature=${sig}`;
  return h;
}

// signS3 returns the headers of an AWS SigV4 signature (service s3) over
// host, x-amz-content-sha256 and x-amz-date. The Host header is the
// browser's, which is url.host.
export async function signS3({ method, url, body, ak, sk, region = "cn-north-4", date = new Date() }) {
  const amzDate = sdkDate(date);
  const day = amzDate.slice(0, 8);
  const payload = await sha256(body || new Uint8Array());
  const hdrs = { host: url.host, "x-amz-content-sha256": payload, "x-amz-date": amzDate };
  const names = Object.keys(hdrs).sort();
  const canonical = [
    method, escape(decodeURIComponent(url.pathname), true), canonicalQuery(url.searchParams),
    names.map((n) => n + ":" + hdrs[n]).join("\n") + "\n",
    names.join(";"), payload,
  ].join("\n");
  const scope = `${day}/${region}/s3/aws4_request`;
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256(canonical)].join("\n");
  let key = await hmac("AWS4" + sk, day);
  for (const part of [region, "s3", "aws4_request"]) key = await hmac(key, part);
  const sig = hex(await hmac(key, sts));
  return {
    "X-Amz-Date": amzDate, "X-Amz-Content-Sha256": payload,
    Authorization: `AWS4-HMAC-SHA256 Credential=${ak}/${scope}, SignedHeaders=${names.join(";")}, Signature=${sig}`,
  };
}
