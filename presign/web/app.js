// app.js - the mediagate browser page: lists the tenant's ready media (GET /api/v1/media,
// keyset pages) and shows each image through GET /api/v1/media/{id}/content, which answers
// with a 302 to a presigned bucket URL.
//
// The API key is typed into the form (or given as #key=... in the address, which is never
// sent to a server). It is kept in sessionStorage for this tab, sent as a Bearer token to the
// API, and set as the `mediagate_key` cookie (Path=/api/v1/media, SameSite=Strict) because an
// <img> cannot send an Authorization header: the server accepts that cookie on GET /content
// only.
//
// When every image has loaded or failed, window.mediagateGallery holds
// {done: true, total, decoded, failed, images: [{id, naturalWidth, naturalHeight, ok}]}
// (the browser test reads it).
"use strict";

const COOKIE = "mediagate_key";
const state = { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null };
window.mediagateGallery = state;

function setKey(key) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  if (key) {
    sessionStorage.setItem(COOKIE, key);
    document.cookie = `${COOKIE}=${encodeURIComponent(key)}; Path=/api/v1/media; SameSite=Strict${secure}`;
  } else {
    sessionStorage.removeItem(COOKIE);
    document.cookie = `${COOKIE}=; Path=/api/v1/media; SameSite=Strict; Max-Age=0${secure}`;
  }
}

function status(text) {
  document.getElementById("status").textContent = text;
}

async function listReady(key) {
  const items = [];
  let after = null;
  do {
    const q = new URLSearchParams({ status: "ready", size: "100" });
    if (after) q.set("after", after);
    const res = await fetch(`/api/v1/media?${q}`, { headers: { Authorization: `Bearer ${key}` } });
    if (!res.ok) {
      let detail = res.statusText;
      try { detail = (await res.json()).title || detail; } catch (e) { /* not JSON */ }
      throw new Error(`listing failed: ${res.status} ${detail}`);
    }
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

async function load() {
  const key = sessionStorage.getItem(COOKIE);
  document.getElementById("gallery").replaceChildren();
  Object.assign(state, { done: false, total: 0, decoded: 0, failed: 0, images: [], error: null });
  if (!key) {
    status("Enter an API key with the read scope.");
    state.done = true;
    return;
  }
  try {
    status("Loading…");
    const items = (await listReady(key)).filter((i) => i.content_type.startsWith("image/"));
    state.total = items.length;
    await Promise.all(items.map(show));
    status(`${state.decoded} of ${state.total} images shown` + (state.failed ? `, ${state.failed} failed` : ""));
  } catch (e) {
    state.error = e.message;
    status(e.message);
  }
  state.done = true;
}

document.addEventListener("DOMContentLoaded", () => {
  const m = /^#key=(.+)$/.exec(location.hash);
  if (m) {
    setKey(decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname); // the key leaves the address bar
  }
  document.getElementById("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setKey(document.getElementById("key").value.trim());
    document.getElementById("key").value = "";
    load();
  });
  document.getElementById("logout").addEventListener("click", () => { setKey(null); load(); });
  load();
});
