// The page's copy of the engine's state: zones, sensors, relays, alarms from the API, kept
// live by the event stream (/ui/events, Server-Sent Events from the engine's status bus).
// Bounded by design (no history kept here): a wall tablet runs it for weeks.
import { get } from "./api.js";

const STALE_AFTER_MS = 15000; // the server sends a status event every 5 s
const LOG_KEEP = 100;

const listeners = new Set();
// Counters for benchmarks and tests (bench/webui.py reads them); numbers only, never growing.
export const stats = { updates: 0, snapshots: 0 };
globalThis.__rpymostat = stats;
export const state = {
  zones: [], sensors: [], relays: [], alarms: [], plugins: null,
  engine: "connecting", streamOpen: false, lastEvent: 0, stale: false,
  logs: [], loaded: false, error: null, version: "",
};

let notifyQueued = false;
export function changed() {
  if (notifyQueued) return;
  notifyQueued = true;
  queueMicrotask(() => { notifyQueued = false; listeners.forEach((fn) => fn()); });
}
export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export async function refresh(what = ["zones", "sensors", "relays", "alarms"]) {
  const jobs = what.map(async (name) => {
    const body = await get(`/v1/${name}`);
    state[name] = name === "alarms" ? alarmList(body) : body[name] || [];
  });
  try {
    await Promise.all(jobs);
    state.loaded = true;
    state.error = null;
    state.zones.forEach(applyTreeToZone);
  } catch (e) {
    state.error = e.message;
  }
  changed();
}

// GET /v1/alarms answers {active: [...], cleared: [...] (newest first)}: one list, the
// active ones first, each with its `active` flag.
export function alarmList(body) {
  if (Array.isArray(body?.alarms)) return body.alarms;
  const active = (body?.active || []).map((a) => ({ ...a, active: true }));
  const cleared = (body?.cleared || []).map((a) => ({ ...a, active: false }));
  return [...active, ...cleared];
}

// The active alarms about a zone: its own (limits, safe mode) and its outputs' (relays).
export function zoneAlarms(zone) {
  const outputs = new Set([...(zone.outputs || []), ...(zone.state?.outputs || []).map((o) => o.id)]);
  return state.alarms.filter((a) => a.active && (a.subject === zone.id || outputs.has(a.subject)
    || String(a.id).endsWith(`:${zone.id}`)));
}

export async function loadPlugins() {
  if (!state.plugins) {
    state.plugins = await get("/v1/plugins");
    changed();
  }
  return state.plugins;
}

// --- the live tree ------------------------------------------------------------------------
let tree = {};

function at(path) {
  let node = tree;
  for (const part of path) { node = node && node[part]; }
  return node;
}

function merge(target, update) {
  for (const [k, v] of Object.entries(update)) {
    if (v === null) delete target[k];
    else if (v && typeof v === "object" && !Array.isArray(v) && target[k] && typeof target[k] === "object" && !Array.isArray(target[k])) merge(target[k], v);
    else target[k] = v;
  }
}

function applyTreeToZone(zone) {
  const live = at(["zone", zone.id, "state"]);
  if (live) zone.state = { ...(zone.state || {}), ...live };
}

// Refetches asked for within a short time are one call per list (a relay event then an
// alarm event both get theirs: the later one must not cancel the earlier).
let refetchTimer = null;
const refetchWanted = new Set();
function refetchSoon(what, ms = 400) {
  what.forEach((w) => refetchWanted.add(w));
  if (refetchTimer) return;
  refetchTimer = setTimeout(() => {
    const lists = [...refetchWanted];
    refetchWanted.clear();
    refetchTimer = null;
    refresh(lists);
  }, ms);
}

function applyUpdate(u) {
  const parts = u.topic.split(".");
  let node = tree;
  for (const p of parts) { node = node[p] ??= {}; }
  merge(node, u.data);
  const [root] = parts;
  if (root === "zone" && parts[2] === "state") {
    const zone = state.zones.find((z) => z.id === parts[1]);
    if (!zone) { refetchSoon(["zones"]); return; }
    const ruleBefore = zone.current?.id;
    applyTreeToZone(zone);
    const rule = zone.state?.decision?.rule;
    if (rule && rule.id !== ruleBefore) refetchSoon(["zones"]);
  } else if (root === "sensor") {
    const s = state.sensors.find((x) => x.id === u.data.id);
    if (s && typeof u.data.value !== "undefined") {
      s.last_value = u.data.value; s.last_update = u.data.timestamp; s.age_s = 0; s.stale = false;
    } else if (!s) refetchSoon(["sensors"]);
  } else if (root === "relay" || (root === "engine" && parts[1] === "alarm")) {
    refetchSoon(root === "relay" ? ["relays"] : ["alarms"], 1000);
  } else if (root === "log") {
    state.logs.push({ topic: u.topic, ts: u.ts, ...u.data });
    if (state.logs.length > LOG_KEEP) state.logs.splice(0, state.logs.length - LOG_KEEP);
  }
}

// --- the event stream ---------------------------------------------------------------------
let source = null;
let watchdog = null;

function seen() {
  state.lastEvent = Date.now();
  if (state.stale) { state.stale = false; }
}

export function connect() {
  if (source) source.close();
  source = new EventSource("/ui/events");
  source.addEventListener("open", () => { state.streamOpen = true; seen(); changed(); });
  source.addEventListener("error", () => {
    state.streamOpen = false;
    changed();
    // EventSource gives up after an HTTP error (a 502 from a proxy, a 401 after a restart
    // of the UI with a password): start over ourselves, the page must recover alone.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
  });
  source.addEventListener("snapshot", (e) => {
    seen();
    stats.snapshots += 1;
    tree = JSON.parse(e.data).tree || {};
    // the first snapshot comes right after the page's own load: only reapply the live tree
    if (stats.snapshots === 1 && state.loaded) { state.zones.forEach(applyTreeToZone); changed(); } else refresh();
  });
  source.addEventListener("status", (e) => {
    seen();
    const s = JSON.parse(e.data);
    const was = state.engine;
    state.engine = s.engine;
    if (was !== "up" && s.engine === "up" && state.loaded) refresh();
    changed();
  });
  source.addEventListener("update", (e) => {
    seen();
    stats.updates += 1;
    applyUpdate(JSON.parse(e.data));
    changed();
  });
  if (watchdog) return;
  watchdog = setInterval(() => {
    const stale = Date.now() - state.lastEvent > STALE_AFTER_MS;
    if (stale !== state.stale) { state.stale = stale; changed(); }
  }, 1000);
}

// What the banner says: null when everything is live.
export function trouble() {
  if (!state.streamOpen && state.lastEvent && Date.now() - state.lastEvent > 3000) {
    return { kind: "down", text: "The web UI does not answer. Reconnecting…" };
  }
  if (state.stale) return { kind: "stale", text: "No news from the engine for a while: values may be out of date." };
  if (state.engine === "down") return { kind: "down", text: "The engine is unreachable. Values are out of date; retrying…" };
  if (state.engine === "syncing") return { kind: "stale", text: "Reconnecting to the engine…" };
  return null;
}
