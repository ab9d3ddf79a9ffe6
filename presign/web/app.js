// app.js - the mediagate browser page: lists the tenant's ready media (GET /api/v1/media,
// keyset pages) and shows each image through GET /api/v1/media/{id}/content, which answers
// with a 302 to a presigned bucket URL.
//
// Logging in: the API key typed into the form is sent once, to POST /app/session, which sets
// an HttpOnly, SameSite=Strict session cookie (a token derived from the key, read scope only,
// on /api/v1/media only). The page keeps nothing: not the key, not the session — this script
// cannot read the cookie; the browser sends it with the listing and with each <img>. There is
// no way to log in from a link (no key in URLs). "Forget key" asks the server to clear the
// cookie (DELETE /app/session).
//
// When every image has loaded or failed, window.mediagateGallery holds
// {done: true, total, decoded, failed, images: [{id, naturalWidth, naturalHeight, ok}]}
// (the browser test reads it).
"use strict";

const state = { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null };
window.mediagateGallery = state;

function status(text) {
  document.getElementById("status").textContent = text;
}

async function problem(res) {
  let detail = res.statusText;
  try { detail = (await res.json()).title || detail; } catch (e) { /* not JSON */ }
  return `${res.status} ${detail}`;
}

// null when there is no session (401): the page then asks for a key
async function listReady() {
  const items = [];
  let after = null;
  do {
    const q = new URLSearchParams({ status: "ready", size: "100" });
    if (after) q.set("after", after);
    const res = await fetch(`/api/v1/media?${q}`, { credentials: "same-origin" });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error(`listing failed: ${await problem(res)}`);
    const page = await res.json();
    items.push(...page.items);
    after = page.next_cursor;
  } while (after);
  return items;
}

function show(item) {
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  const cap = document.createElement("figcaption");
  img.alt = item.id;
  img.loading = "eager";
  img.src = `/api/v1/media/${encodeURIComponent(item.id)}/content`;
  cap.textContent = `${item.id} · ${item.content_type} · ${item.size_bytes} bytes`;
  fig.append(img, cap);
  document.getElementById("gallery").append(fig);
  const done = (ok) => {
    const info = { id: item.id, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, ok };
    state.images.push(info);
    ok ? state.decoded++ : (state.failed++, fig.classList.add("broken"));
  };
  // decode() resolves only when the bytes really are a decodable image
  return img.decode().then(() => done(img.naturalWidth > 0), () => done(false));
}

async function load(loginError) {
  document.getElementById("gallery").replaceChildren();
  Object.assign(state, { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null });
  try {
    if (loginError) throw new Error(loginError);
    status("Loading…");
    const listed = await listReady();
    if (listed === null) {
      status("Enter an API key with the read scope.");
      state.done = true;
      return;
    }
    const items = listed.filter((i) => i.content_type.startsWith("image/"));
    state.total = items.length;
    await Promise.all(items.map(show));
    status(`${state.decoded} of ${state.total} images shown` + (state.failed ? `, ${state.failed} failed` : ""));
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
  document.getElementById("login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const field = document.getElementById("key");
    const key = field.value.trim();
    field.value = ""; // the key leaves the page at once
    load(await login(key));
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/app/session", { method: "DELETE", credentials: "same-origin" });
    load();
  });
  load();
});
