// Away / vacation: an override with dates and a floor temperature, in three taps (open
// Away, pick the day you are back, tap "Start away"; the floor defaults to the away preset).
import { html, useEffect, useState } from "./ui.js";
import { get, post, del } from "./api.js";
import { state, refresh } from "./store.js";
import { attempt } from "./common.js";
import { clockText, withUnit } from "./format.js";

const pad = (n) => String(n).padStart(2, "0");
const localDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

export function Away() {
  const inDays = (n) => { const d = new Date(); d.setDate(d.getDate() + n); return localDate(d); };
  const [back, setBack] = useState(inDays(7));
  const [at, setAt] = useState("16:00");
  const zones = state.zones;
  const first = zones[0];
  const [floor, setFloor] = useState(first?.presets?.away ?? 15);
  const [overrides, setOverrides] = useState({});
  async function load() {
    const all = {};
    for (const z of state.zones) {
      const body = await attempt(get(`/v1/zones/${encodeURIComponent(z.id)}/overrides`));
      if (body) all[z.id] = (body.overrides || []).filter((o) => o.active !== false || Date.parse(o.ends_at || o.end || 0) > Date.now());
    }
    setOverrides(all);
  }
  useEffect(() => { load(); }, [zones.length]);
  useEffect(() => { if (first?.presets?.away !== undefined) setFloor(first.presets.away); }, [first?.id]);
  if (!first) return html`<p class="muted">No zones yet.</p>`;
  async function start() {
    for (const z of zones) {
      await attempt(post(`/v1/zones/${encodeURIComponent(z.id)}/overrides`, { name: "Away", target: Number(floor), end: `${back}T${at}` }));
    }
    await load();
    refresh(["zones"]);
    attempt(Promise.resolve(), `Away until ${back} ${at}: ${withUnit(Number(floor))}`);
  }
  async function cancel(z, o) {
    await attempt(del(`/v1/zones/${encodeURIComponent(z)}/overrides/${o.id}`), "Away cancelled");
    await load();
    refresh(["zones"]);
  }
  const quick = [["Weekend", 3], ["1 week", 7], ["2 weeks", 14]];
  return html`<div style="display:grid;gap:1rem;max-width:640px">
    <section class="card" style="display:grid;gap:1rem">
      <h2>Going away</h2>
      <p class="muted" style="margin:0">Until you are back, every zone keeps the floor temperature; then the schedule takes over again, so the house is warm when you arrive.</p>
      <div class="chips" role="group" aria-label="Back after">
        ${quick.map(([label, n]) => html`<button class="chip" aria-pressed=${back === inDays(n)} onClick=${() => setBack(inDays(n))}>${label}</button>`)}
      </div>
      <div class="row" style="align-items:end">
        <label class="field" style="flex:2">Back on<input type="date" value=${back} min=${inDays(0)} onInput=${(e) => setBack(e.target.value)} /></label>
        <label class="field" style="flex:1">at<input type="time" value=${at} onInput=${(e) => setAt(e.target.value)} /></label>
      </div>
      <label class="field">Floor temperature (°C)<input type="number" step="0.5" min=${first.frost_c ?? 5} max="25" value=${floor} onInput=${(e) => setFloor(e.target.value)} /></label>
      <button class="btn primary big" onClick=${start}>Start away until ${new Date(back + "T12:00").toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })}, ${at}</button>
    </section>
    <section class="card">
      <h2>Planned and active</h2>
      ${Object.values(overrides).every((l) => !l.length) ? html`<p class="muted">Nothing planned.</p>` : html`<table><thead><tr><th>Zone</th><th>From</th><th>Until</th><th>Target</th><th><span class="sr-only">Cancel</span></th></tr></thead><tbody>
        ${Object.entries(overrides).flatMap(([z, list]) => list.map((o) => html`<tr>
          <td>${state.zones.find((x) => x.id === z)?.name || z}</td><td>${clockText(o.start)}</td><td>${o.until_next_change ? "next change" : clockText(o.ends_at || o.end)}</td>
          <td>${typeof o.target === "number" ? withUnit(o.target) : o.target}</td>
          <td><button class="btn" onClick=${() => cancel(z, o)} aria-label="Cancel ${o.name || "override"} in ${z}">Cancel</button></td></tr>`))}
      </tbody></table>`}
    </section>
  </div>`;
}
