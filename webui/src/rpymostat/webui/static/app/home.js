// Home: every zone's temperature, target and why, what the system does, time to target,
// big ±0.5 °C controls, hold length, presets.
import { html, useEffect, useRef, useState } from "./ui.js";
import { post, del } from "./api.js";
import { state, refresh, zoneAlarms } from "./store.js";
import { attempt } from "./common.js";
import { deg, duration, ruleWords, temp, targetOf, withUnit, zoneState } from "./format.js";

const ALARM_WORDS = {
  "zone-over-temperature": "Too hot:",
  "zone-frost": "Frost:",
  "zone-safe-mode": "Safe mode:",
  "relay-mismatch": "Relay:",
  "agent-unreachable": "Relay agent:",
};

export const PRESETS = ["home", "away", "eco", "sleep", "comfort"];
const HOLDS = [["next-change", "Until next change"], ["PT1H", "1 h"], ["PT2H", "2 h"], ["PT4H", "4 h"]];
const LO = 5, HI = 35;

function holdBody(hold, target) {
  return hold === "next-change" ? { target, until: "next-change" } : { target, duration: hold };
}

function arcPath(from, to, r = 120) {
  const angle = (v) => (135 + (Math.min(HI, Math.max(LO, v)) - LO) / (HI - LO) * 270) * Math.PI / 180;
  const a = angle(from), b = angle(to);
  const p = (t) => `${150 + r * Math.cos(t)} ${150 + r * Math.sin(t)}`;
  const large = Math.abs(b - a) > Math.PI ? 1 : 0;
  return `M ${p(Math.min(a, b))} A ${r} ${r} 0 ${large} 1 ${p(Math.max(a, b))}`;
}

function point(v, r = 120) {
  const t = (135 + (Math.min(HI, Math.max(LO, v)) - LO) / (HI - LO) * 270) * Math.PI / 180;
  return [150 + r * Math.cos(t), 150 + r * Math.sin(t)];
}

export function Dial({ zone, target, big = false }) {
  const current = zone.state?.temperature;
  const st = zoneState(zone);
  const verb = st.key === "heating" ? "Heating to" : st.key === "cooling" ? "Cooling to" : "Set to";
  const [tx, ty] = target !== null ? point(target) : [0, 0];
  const [cx, cy] = typeof current === "number" ? point(current) : [0, 0];
  return html`<div class="dial state-${st.key}">
    <svg viewBox="0 0 300 300" aria-hidden="true">
      <path d=${arcPath(LO, HI)} stroke="#2e353f" stroke-width="14" fill="none" stroke-linecap="round" />
      ${typeof current === "number" && target !== null && html`<path d=${arcPath(current, target)} stroke="var(--state)" stroke-width="14" fill="none" stroke-linecap="round" />`}
      ${typeof current === "number" && html`<circle cx=${cx} cy=${cy} r="6" fill="var(--muted)" />`}
      ${target !== null && html`<circle cx=${tx} cy=${ty} r="11" fill="#f2f4f7" />`}
    </svg>
    <div class="center">
      <span class="label">${verb}</span>
      <span class="target" data-testid="target-${zone.id}" aria-label="Target ${withUnit(target)}">${temp(target)}<small style="font-size:.4em;vertical-align:top">${deg()}</small></span>
      <span class="current" data-testid="temperature-${zone.id}">Inside ${withUnit(current)}</span>
    </div>
  </div>`;
}

export function useNudge(zone, hold) {
  const [pending, setPending] = useState(null);
  const timer = useRef(null);
  const shown = pending ?? targetOf(zone);
  useEffect(() => () => clearTimeout(timer.current), []);
  function nudge(step) {
    const base = pending ?? targetOf(zone) ?? 20;
    const next = Math.round((base + step) * 2) / 2;
    if (next < (zone.frost_c ?? LO) || next > (zone.max_c ?? HI)) return;
    setPending(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      await attempt(post(`/v1/zones/${encodeURIComponent(zone.id)}/adjustments`, holdBody(hold, next)),
        `Set to ${withUnit(next)}`);
      await refresh(["zones"]);
      setPending(null);
    }, 700);
  }
  return [shown, nudge];
}

function ZoneCard({ zone }) {
  const [hold, setHold] = useState("next-change");
  const [target, nudge] = useNudge(zone, hold);
  const st = zoneState(zone);
  const s = zone.state || {};
  const ttt = s.time_to_target;
  const tttText = ttt && typeof ttt.seconds === "number" ? `${duration(ttt.seconds)} to ${withUnit(ttt.setpoint)}`
    : /^learning/.test(ttt?.why || "") ? "Still learning" : (ttt?.why ? "–" : "–");
  const held = zone.current?.kind === "adjustment";
  const alarms = zoneAlarms(zone);
  // what the relays say (their agents' reports), not only what the engine decided
  const outputs = (zone.state?.outputs || []).map((o) => state.relays.find((r) => r.id === o.id) || o);
  const heatOn = outputs.some((o) => o.reported === "on");
  const preset = async (name) => {
    await attempt(post(`/v1/zones/${encodeURIComponent(zone.id)}/adjustments`, holdBody(hold, name)), `${name[0].toUpperCase() + name.slice(1)}: ${withUnit(zone.presets?.[name])}`);
    refresh(["zones"]);
  };
  const resume = async () => {
    await attempt(del(`/v1/zones/${encodeURIComponent(zone.id)}/adjustments`), "Back on schedule");
    refresh(["zones"]);
  };
  return html`<section class="card zone state-${st.key}" aria-labelledby="zone-${zone.id}">
    <header><h2 id="zone-${zone.id}">${zone.name}</h2><span class="pill" data-testid="state-${zone.id}">${st.words}</span></header>
    ${alarms.length > 0 && html`<div class="alarm" role="alert" data-testid="alarm-${zone.id}">
      ${alarms.map((a) => html`<p data-alarm=${a.kind}><b>${ALARM_WORDS[a.kind] || "Alarm"}</b> ${a.message}</p>`)}</div>`}
    <div class="zone-body"><div class="zone-dial">
    <${Dial} zone=${zone} target=${target} />
    <div class="nudge">
      <button class="round" aria-label="Lower ${zone.name} target by 0.5 degrees" onClick=${() => nudge(-0.5)}>−</button>
      <button class="round" aria-label="Raise ${zone.name} target by 0.5 degrees" onClick=${() => nudge(0.5)}>+</button>
    </div></div><div class="zone-side">
    <p class="why" data-testid="why-${zone.id}">${ruleWords(zone.current, zone.timezone) || "—"}</p>
    <div class="chips" role="group" aria-label="How long a change holds">
      ${HOLDS.map(([v, label]) => html`<button class="chip" aria-pressed=${hold === v} onClick=${() => setHold(v)}>${label}</button>`)}
    </div>
    <div class="chips" role="group" aria-label="Presets">
      ${PRESETS.map((p) => html`<button class="chip" onClick=${() => preset(p)} aria-label="${p} preset, ${withUnit(zone.presets?.[p])}">${p[0].toUpperCase() + p.slice(1)}</button>`)}
      ${held && html`<button class="chip" aria-pressed="true" onClick=${resume}>Resume schedule</button>`}
    </div>
    <div class="facts">
      <div class="fact"><b>${zone.mode[0].toUpperCase() + zone.mode.slice(1)}</b><span>Mode</span></div>
      <div class="fact"><b>${withUnit(s.outdoor)}</b><span>Outside</span></div>
      ${outputs.length > 0 && html`<div class="fact"><b data-testid="relay-${zone.id}" class=${heatOn ? "on" : ""}>${heatOn ? "On" : "Off"}</b><span>${outputs.length > 1 ? "Outputs" : "Heat output"}</span></div>`}
      <div class="fact" title=${ttt?.why || ""}><b class="small">${tttText}</b><span>Time to target</span></div>
    </div>
    ${s.decision?.reason && html`<p class="muted" style="margin:0;font-size:.85rem">${s.decision.reason}</p>`}
    </div></div>
  </section>`;
}

export function Home() {
  if (!state.loaded) return html`<div class="grid"><section class="card zone" style="min-height:560px" aria-busy="true"><p class="muted">Loading zones…</p></section></div>`;
  if (!state.zones.length) return html`<p class="muted">No zones yet: add one under Devices.</p>`;
  return html`<div class="grid">${state.zones.map((z) => html`<${ZoneCard} key=${z.id} zone=${z} />`)}</div>`;
}
