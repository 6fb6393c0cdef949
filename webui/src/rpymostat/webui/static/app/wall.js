// Wall mode: a full-screen kiosk page for a tablet on the wall: huge numerals readable from
// 3 m, ±0.5 °C buttons, the screen kept awake where the browser allows, dimmed at night.
// Nothing accumulates: it renders from the store, which keeps no history.
import { html, useEffect, useState } from "./ui.js";
import { state, trouble } from "./store.js";
import { Banner } from "./common.js";
import { useNudge } from "./home.js";
import { temp, deg, timeOf, withUnit, zoneState, ruleWords } from "./format.js";

function useWakeLock() {
  useEffect(() => {
    let lock = null;
    const take = async () => {
      try { if (navigator.wakeLock && document.visibilityState === "visible") lock = await navigator.wakeLock.request("screen"); } catch { lock = null; }
    };
    take();
    document.addEventListener("visibilitychange", take);
    return () => { document.removeEventListener("visibilitychange", take); lock?.release?.(); };
  }, []);
}

function isNight(d) { const h = d.getHours(); return h >= 22 || h < 6; }

export function Wall() {
  useWakeLock();
  const [now, setNow] = useState(new Date());
  useEffect(() => { const t = setInterval(() => setNow(new Date()), 30000); return () => clearInterval(t); }, []);
  const [index, setIndex] = useState(0);
  const zone = state.zones[index % Math.max(1, state.zones.length)];
  const [target, nudge] = useNudge(zone || {}, "next-change");
  if (!zone) return html`<main class="wall"><p class="muted">Waiting for the engine…</p></main>`;
  const st = zoneState(zone);
  const full = () => document.documentElement.requestFullscreen?.().catch(() => {});
  return html`<main class="wall ${isNight(now) ? "night" : ""} ${trouble() ? "is-stale" : ""} state-${st.key}" aria-label="Wall display">
    <header>
      <span>${timeOf(now)}</span>
      <span>${typeof zone.state?.outdoor === "number" ? `Outside ${withUnit(zone.state.outdoor)}` : ""}</span>
    </header>
    <div class="big">
      <${Banner} />
      <h1 class="sr-only">Thermostat: ${zone.name}</h1>
      <button class="chip" onClick=${() => setIndex(index + 1)} aria-label="${zone.name}: show the next zone" style="font-size:1.6rem">${zone.name}</button>
      <div class="temp" data-testid="wall-temperature" aria-label="Inside ${withUnit(zone.state?.temperature)}">${temp(zone.state?.temperature)}<span style="font-size:.3em;vertical-align:top">${deg()}</span></div>
      <span class="pill">${st.words}</span>
      <div class="nudge">
        <button class="round" aria-label="Lower target by 0.5 degrees" onClick=${() => nudge(-0.5)}>−</button>
        <div class="set" data-testid="wall-target">Set ${withUnit(target)}</div>
        <button class="round" aria-label="Raise target by 0.5 degrees" onClick=${() => nudge(0.5)}>+</button>
      </div>
      <p class="why" style="font-size:1.2rem">${ruleWords(zone.current, zone.timezone)}</p>
    </div>
    <footer><a class="btn" href="#/home" style="display:inline-flex;align-items:center;text-decoration:none;color:var(--text)">Menu</a>
      <button class="btn" onClick=${full}>Full screen</button></footer>
  </main>`;
}
