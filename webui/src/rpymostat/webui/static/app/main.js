// RPyMostat web UI: boot, login, hash router, the shell (top bar, banner, tabs).
import { html, render, useEffect, useState } from "./ui.js";
import { call, setCsrf } from "./api.js";
import { state, subscribe, connect, refresh, trouble } from "./store.js";
import { Banner, Icon, Toast } from "./common.js";
import { timeOf, withUnit } from "./format.js";
import { Home } from "./home.js";

// Home is in the first load; the other screens load when first opened (and in idle time
// after the first paint), so a cold start parses only what the home screen needs.
const SCREENS = [
  ["home", "Home", () => Home], ["schedule", "Schedule", () => import("./schedule.js").then((m) => m.Schedule)],
  ["away", "Away", () => import("./away.js").then((m) => m.Away)],
  ["history", "History", () => import("./history.js").then((m) => m.History)],
  ["devices", "Devices", () => import("./devices.js").then((m) => m.Devices)],
  ["settings", "Settings", () => import("./settings.js").then((m) => m.Settings)],
  ["wall", "Wall", () => import("./wall.js").then((m) => m.Wall)],
];
const loaded = new Map([["home", Home]]);

function Lazy({ name, load, ...props }) {
  const [, setTick] = useState(0);
  const Screen = loaded.get(name);
  useEffect(() => {
    if (!Screen) Promise.resolve(load()).then((c) => { loaded.set(name, c); setTick((n) => n + 1); });
  }, [name]);
  return Screen ? html`<${Screen} ...${props} />` : html`<div class="card" aria-busy="true" style="min-height:50vh"></div>`;
}

function preloadScreens() {
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 500));
  idle(() => SCREENS.forEach(([name, , load]) => {
    if (!loaded.has(name)) Promise.resolve(load()).then((c) => loaded.set(name, c)).catch(() => {});
  }));
}

function route() {
  const name = (location.hash.replace(/^#\/?/, "").split("/")[0]) || "home";
  return SCREENS.find(([n]) => n === name) || SCREENS[0];
}

function useLive() {
  const [, tick] = useState(0);
  useEffect(() => subscribe(() => tick((n) => n + 1)), []);
  const [r, setR] = useState(route());
  useEffect(() => {
    const on = () => { setR(route()); window.scrollTo(0, 0); };
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return r;
}

function Clock() {
  const [now, setNow] = useState(new Date());
  useEffect(() => { const t = setInterval(() => setNow(new Date()), 15000); return () => clearInterval(t); }, []);
  return html`<span class="clock">${timeOf(now)}</span>`;
}

function App() {
  const [name, title, load] = useLive();
  useEffect(() => { document.title = `${title} · RPyMostat`; }, [title]);
  useEffect(preloadScreens, []);
  if (name === "wall") return html`<${Lazy} name="wall" load=${load} /><${Toast} />`;
  const outdoor = state.zones.map((z) => z.state?.outdoor).find((v) => typeof v === "number");
  return html`<div class="shell">
    <header class="topbar">
      <h1>${title}</h1>
      ${typeof outdoor === "number" && html`<span class="outdoor" aria-label="Outdoor temperature ${withUnit(outdoor)}">Outside ${withUnit(outdoor)}</span>`}
      <${Clock} />
    </header>
    <main class="view ${trouble() ? "is-stale" : ""}" id="main">
      <${Banner} />
      ${state.error && !state.loaded ? html`<div class="card" role="alert"><h2>Cannot load</h2><p>${state.error}</p></div>` : null}
      <${Lazy} key=${name} name=${name} load=${load} />
    </main>
    <nav class="tabs" aria-label="Screens">
      ${SCREENS.map(([n, label]) => html`<a href="#/${n}" aria-current=${n === name ? "page" : null}><${Icon} name=${n} />${label}</a>`)}
    </nav>
    <${Toast} />
  </div>`;
}

function Login({ onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    try {
      const body = await call("POST", "/ui/login", { password: e.target.password.value });
      setCsrf(body.csrf);
      onDone();
    } catch (err) {
      setError(err.message);
    } finally { setBusy(false); }
  }
  return html`<main class="login card">
    <h1>RPyMostat</h1>
    <form onSubmit=${submit} class="row" style="display:grid;gap:1rem">
      <label class="field">Password<input type="password" name="password" autocomplete="current-password" required autofocus /></label>
      ${error && html`<p role="alert" class="stale-value">${error}</p>`}
      <button class="btn primary big" disabled=${busy}>Log in</button>
    </form>
  </main>`;
}

async function boot() {
  const root = document.getElementById("app");
  let session;
  // Zones in parallel with the session (LAN mode: saves a round trip); the rest after.
  const early = refresh(["zones"]);
  try { session = await call("GET", "/ui/session"); } catch (e) {
    root.textContent = "";
    render(html`<main class="login card" role="alert"><h1>RPyMostat</h1><p>${e.message}</p></main>`, root);
    setTimeout(boot, 3000);
    return;
  }
  state.version = session.version;
  const start = (zonesLoaded) => {
    root.textContent = "";
    render(html`<${App} />`, root);
    connect();
    refresh(zonesLoaded ? ["sensors", "relays", "alarms"] : undefined);
  };
  if (session.logged_in) { setCsrf(session.csrf); await Promise.race([early, new Promise((r) => setTimeout(r, 1500))]); start(true); } else {
    root.textContent = "";
    render(html`<${Login} onDone=${() => start(false)} />`, root);
  }
}

boot();
