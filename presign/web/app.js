// app.js - the mediagate browser page: the tenant's ready media (GET /api/v1/media, keyset
// pages, each image through GET /api/v1/media/{id}/content: a 302 to a presigned bucket URL),
// a form that submits a URL to ingest, an upload control (file picker or drag and drop: each
// file goes straight into the bucket with the presigned PUT or multipart parts that
// POST /api/v1/uploads hands out, with progress, then /complete; the verification job decides),
// each recent record's status live (queued -> fetching
// -> ready or failed with its error, through waiting reads: GET /api/v1/media/{id}?wait=2),
// a retry for failed records, and for an admin key the tenant's queue (records by status),
// its dead letters (failed records, with retry) and its webhook failures (with replay).
//
// Logging in: the API key typed into the form is sent once, to POST /app/session, which sets
// an HttpOnly, SameSite=Strict session cookie (a token derived from the key, Path=/api/v1).
// The page keeps nothing: not the key, not the session — this script cannot read the cookie;
// the browser sends it. Read routes take the cookie alone (so <img> works); every other route
// also needs the "X-Mediagate-App: 1" header this script sends, which no cross-site form or
// link can (request.h). There is no way to log in from a link. "Forget key" asks the server
// to clear the cookie (DELETE /app/session).
//
// For the browser test: window.mediagateGallery = {done, total, decoded, failed, images}
// once every image has loaded or failed; window.mediagateJobs = {jobs: {id: {id, source_url,
// status, error, seen: [statuses in order], errors: [shown]}}, submitted: [ids]};
// window.mediagateAdmin =
// {loaded, admin, counts, dead: [ids], hooks: [{id, event, last_error}], replayed: [ids]}.
"use strict";

const state = { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null };
const jobs = { jobs: {}, submitted: [] };
const admin = { loaded: false, admin: false, counts: {}, dead: [], hooks: [], replayed: [] };
window.mediagateGallery = state;
window.mediagateJobs = jobs;
window.mediagateAdmin = admin;
let generation = 0; // a new login or logout stops the watchers of the previous one
const shown = new Set();

const $ = (id) => document.getElementById(id);

function status(text) {
  $("status").textContent = text;
}

// "401 Authentication required" (withDetail: and the problem's detail after a colon)
async function problem(res, withDetail = false) {
  let detail = res.statusText;
  try {
    const p = await res.json();
    detail = withDetail && p.detail ? `${p.title}: ${p.detail}` : p.title || detail;
  } catch (e) { /* not JSON */ }
  return `${res.status} ${detail}`;
}

// every API call: same-origin cookie, and the header that lets the session do more than read
function api(path, init = {}) {
  const headers = Object.assign({ "X-Mediagate-App": "1" }, init.headers || {});
  if (init.body) headers["Content-Type"] = "application/json";
  return fetch(path, Object.assign({}, init, { headers, credentials: "same-origin" }));
}

// null when there is no session (401): the page then asks for a key
async function listReady() {
  const items = [];
  let after = null;
  do {
    const q = new URLSearchParams({ status: "ready", size: "100" });
    if (after) q.set("after", after);
    const res = await api(`/api/v1/media?${q}`);
    if (res.status === 401) return null;
    if (!res.ok) throw new Error(`listing failed: ${await problem(res)}`);
    const page = await res.json();
    items.push(...page.items);
    after = page.next_cursor;
  } while (after);
  return items;
}

function show(item) {
  if (shown.has(item.id)) return Promise.resolve();
  shown.add(item.id);
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  const cap = document.createElement("figcaption");
  img.alt = item.id;
  img.loading = "eager";
  img.src = `/api/v1/media/${encodeURIComponent(item.id)}/content`;
  cap.textContent = `${item.id} · ${item.content_type} · ${item.size_bytes} bytes`;
  fig.append(img, cap);
  $("gallery").append(fig);
  const done = (ok) => {
    const info = { id: item.id, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, ok };
    state.images.push(info);
    ok ? state.decoded++ : (state.failed++, fig.classList.add("broken"));
  };
  // decode() resolves only when the bytes really are a decodable image
  return img.decode().then(() => done(img.naturalWidth > 0), () => done(false));
}

// ---- recent records, live ----

const PENDING = new Set(["queued", "fetching"]);

function jobItem(rec) {
  let li = document.querySelector(`#jobs li[data-id="${CSS.escape(rec.id)}"]`);
  if (!li) {
    li = document.createElement("li");
    li.dataset.id = rec.id;
    $("jobs").prepend(li);
  }
  li.replaceChildren();
  const st = document.createElement("span");
  st.className = `st st-${rec.status}`;
  st.textContent = rec.status;
  li.append(st, ` ${rec.source_url || rec.filename || "upload"} `);
  const j = jobs.jobs[rec.id];
  if (rec.status === "uploading" && j && j.progress !== undefined) {
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = j.progress;
    li.append(bar);
  }
  if (rec.status === "failed") {
    const err = document.createElement("span");
    err.className = "err";
    err.textContent = rec.error || "failed";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "retry";
    b.textContent = "Retry";
    b.addEventListener("click", () => retry(rec.id));
    li.append(err, b);
  }
  return li;
}

// record what the page saw, in order, and show it
function update(rec) {
  const j = jobs.jobs[rec.id] ||
    (jobs.jobs[rec.id] = { id: rec.id, source_url: rec.source_url, filename: rec.filename || null, seen: [], errors: [] });
  Object.assign(j, { status: rec.status, error: rec.error || null });
  if (j.seen[j.seen.length - 1] !== rec.status) j.seen.push(rec.status);
  if (rec.status === "failed" && rec.error && !j.errors.includes(rec.error)) j.errors.push(rec.error);
  jobItem(rec);
  if (rec.status === "ready" && rec.content_type && rec.content_type.startsWith("image/") &&
      !shown.has(rec.id)) {
    state.total++;
    show(rec);
  }
}

// waiting reads: each answer comes when the record changes or after 2 s, so queued ->
// fetching shows within 2 s and ready/failed at once
async function watch(id, gen) {
  for (;;) {
    if (gen !== generation) return;
    let res;
    try {
      res = await api(`/api/v1/media/${encodeURIComponent(id)}?wait=2`);
    } catch (e) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (gen !== generation) return;
    if (res.status === 404) {
      delete jobs.jobs[id];
      const li = document.querySelector(`#jobs li[data-id="${CSS.escape(id)}"]`);
      if (li) li.remove();
      return;
    }
    if (!res.ok) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    const rec = await res.json();
    update(rec);
    if (!PENDING.has(rec.status)) {
      refreshAdmin(gen);
      return;
    }
  }
}

async function loadRecent(gen) {
  const res = await api("/api/v1/media?size=20");
  if (!res.ok) return;
  const page = await res.json();
  for (const rec of page.items.reverse()) {
    update(rec);
    if (PENDING.has(rec.status)) watch(rec.id, gen);
  }
}

async function submit(url) {
  const gen = generation;
  $("ingest-status").textContent = "Submitting…";
  const res = await api("/api/v1/media", { method: "POST", body: JSON.stringify({ source_url: url }) });
  if (!res.ok) {
    $("ingest-status").textContent = `not accepted: ${await problem(res, true)}`;
    return;
  }
  const rec = await res.json();
  jobs.submitted.push(rec.id);
  $("ingest-status").textContent = `accepted: ${rec.id}`;
  update(rec);
  watch(rec.id, gen);
}

// ---- direct uploads: the bytes go from the browser to the bucket ----

const MULTIPART_AT = 8 << 20; // larger files go in parts (progress per part, smaller retries)

// PUT body to a presigned URL; resolves with the response's ETag (the bucket's CORS exposes it)
function put(url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [k, v] of Object.entries(headers || {}))
      if (k.toLowerCase() !== "content-length") xhr.setRequestHeader(k, v); // the browser sets it
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
      ? resolve((xhr.getResponseHeader("ETag") || "").replace(/"/g, ""))
      : reject(new Error(`the bucket answered ${xhr.status}`)));
    xhr.onerror = () => reject(new Error("the upload to the bucket failed"));
    xhr.send(body);
  });
}

async function uploadFile(file) {
  const gen = generation;
  const start = await api("/api/v1/uploads", {
    method: "POST",
    body: JSON.stringify(Object.assign({ size_bytes: file.size, filename: file.name.slice(0, 255),
      multipart: file.size > MULTIPART_AT }, file.type ? { content_type: file.type } : {})),
  });
  if (!start.ok) {
    const why = await problem(start, true);
    jobs.errors = (jobs.errors || []).concat(`${file.name}: ${why}`);
    $("ingest-status").textContent = `${file.name} not accepted: ${why}`;
    return;
  }
  const up = await start.json();
  const id = up.media.id;
  jobs.submitted.push(id);
  update(up.media);
  const j = jobs.jobs[id];
  j.progress = 0;
  j.maxProgress = 0;
  const shown = (sent) => {
    j.progress = Math.min(1, sent / file.size);
    j.maxProgress = Math.max(j.maxProgress, j.progress);
    const bar = document.querySelector(`#jobs li[data-id="${CSS.escape(id)}"] progress`);
    if (bar) bar.value = j.progress;
  };
  let body;
  try {
    if (up.put) {
      await put(up.put.url, file, up.put.headers, shown);
    } else {
      const parts = [];
      let offset = 0;
      for (const p of up.multipart.parts) {
        const base = offset;
        const etag = await put(p.url, file.slice(offset, offset + p.size), {}, (n) => shown(base + n));
        parts.push({ part_number: p.part_number, etag });
        offset += p.size;
      }
      body = JSON.stringify({ parts });
    }
    shown(file.size);
  } catch (e) {
    j.errors.push(e.message);
    $("ingest-status").textContent = `${file.name}: ${e.message}`;
    return;
  }
  const done = await api(`/api/v1/uploads/${encodeURIComponent(id)}/complete`, { method: "POST", body });
  if (!done.ok) {
    $("ingest-status").textContent = `${file.name}: ${await problem(done, true)}`;
    return;
  }
  update(await done.json());
  watch(id, gen);
}

function uploadAll(files) {
  for (const f of files) uploadFile(f);
}

async function retry(id) {
  const gen = generation;
  const res = await api(`/api/v1/media/${encodeURIComponent(id)}/retry`, { method: "POST" });
  if (!res.ok) {
    $("ingest-status").textContent = `retry refused: ${await problem(res, true)}`;
    return;
  }
  update(await res.json());
  watch(id, gen);
  refreshAdmin(gen);
}

// ---- operations, for an admin key ----

async function refreshAdmin(gen) {
  const hooks = await api("/api/v1/webhooks/deliveries?status=failed&limit=20");
  if (gen !== generation) return;
  if (hooks.status === 403 || hooks.status === 401) { // not an admin key: no panel
    Object.assign(admin, { loaded: true, admin: false });
    $("admin").hidden = true;
    return;
  }
  if (!hooks.ok) return;
  const failedHooks = (await hooks.json()).items;
  const counts = {};
  for (const s of ["queued", "fetching", "ready", "failed"]) {
    const r = await api(`/api/v1/media?status=${s}&size=1`);
    if (r.ok) counts[s] = (await r.json()).total;
  }
  const dead = await api("/api/v1/media?status=failed&size=20");
  const deadItems = dead.ok ? (await dead.json()).items : [];
  if (gen !== generation) return;
  $("admin").hidden = false;
  $("counts").textContent = `queued ${counts.queued} · fetching ${counts.fetching} · ready ${counts.ready} · failed ${counts.failed}`;
  $("dead").replaceChildren(...deadItems.map((r) => {
    const li = document.createElement("li");
    li.dataset.id = r.id;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "retry";
    b.textContent = "Retry";
    b.addEventListener("click", () => retry(r.id));
    li.append(`${r.source_url}: ${r.error || "failed"}`, b);
    return li;
  }));
  $("hooks").replaceChildren(...failedHooks.map((d) => {
    const li = document.createElement("li");
    li.dataset.id = d.id;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "replay";
    b.textContent = "Replay";
    b.addEventListener("click", () => replay(d.id));
    li.append(`${d.event} for ${d.media_id} → ${d.url}: ${d.last_error || `HTTP ${d.last_status}`}`, b);
    return li;
  }));
  Object.assign(admin, {
    loaded: true, admin: true, counts, dead: deadItems.map((r) => r.id),
    hooks: failedHooks.map((d) => ({ id: d.id, event: d.event, last_error: d.last_error })),
  });
}

async function replay(id) {
  const gen = generation;
  const res = await api(`/api/v1/webhooks/deliveries/${encodeURIComponent(id)}/replay`, { method: "POST" });
  if (res.ok) admin.replayed.push(id);
  else $("ingest-status").textContent = `replay refused: ${await problem(res, true)}`;
  refreshAdmin(gen);
}

// ---- the page ----

async function load(loginError) {
  const gen = ++generation;
  $("gallery").replaceChildren();
  $("jobs").replaceChildren();
  shown.clear();
  jobs.jobs = {};
  jobs.submitted = [];
  Object.assign(admin, { loaded: false, admin: false, counts: {}, dead: [], hooks: [], replayed: [] });
  Object.assign(state, { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null });
  $("work").hidden = true;
  $("admin").hidden = true;
  try {
    if (loginError) throw new Error(loginError);
    status("Loading…");
    const listed = await listReady();
    if (listed === null) {
      status("Enter an API key with the read scope.");
      state.done = true;
      return;
    }
    $("work").hidden = false;
    const items = listed.filter((i) => i.content_type.startsWith("image/"));
    state.total = items.length;
    await Promise.all(items.map(show));
    status(`${state.decoded} of ${state.total} images shown` + (state.failed ? `, ${state.failed} failed` : ""));
    loadRecent(gen);
    refreshAdmin(gen);
  } catch (e) {
    state.error = e.message;
    status(e.message);
  }
  state.done = true;
}

async function login(key) {
  const res = await fetch("/app/session", {
    method: "POST", credentials: "same-origin", headers: { Authorization: `Bearer ${key}` },
  });
  return res.ok ? null : `login failed: ${await problem(res)}`;
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const field = $("key");
    const key = field.value.trim();
    field.value = ""; // the key leaves the page at once
    load(await login(key));
  });
  $("logout").addEventListener("click", async () => {
    await fetch("/app/session", { method: "DELETE", credentials: "same-origin" });
    load();
  });
    $("files").addEventListener("change", (ev) => {
    uploadAll([...ev.target.files]);
    ev.target.value = "";
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    uploadAll([...ev.dataTransfer.files]);
  });
  $("ingest").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const field = $("source");
    const url = field.value.trim();
    field.value = "";
    submit(url);
  });
  load();
});
