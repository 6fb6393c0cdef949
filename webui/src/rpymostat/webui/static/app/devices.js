// Devices and zones: sensors and relays (names, zones, weights, last seen), alarms; rename,
// assign, remove; zones: create, rename, mode, presets, safety limits.
import { html, useState } from "./ui.js";
import { patch, post, del } from "./api.js";
import { state, refresh } from "./store.js";
import { attempt } from "./common.js";
import { age, clockText, withUnit } from "./format.js";

function SensorRow({ s }) {
  // the name to edit is shown as the value (the sensor's own id until it is given one)
  const [name, setName] = useState(s.name || s.sensor_id || "");
  const [asking, setAsking] = useState(false);
  const id = encodeURIComponent(s.id);
  const save = async (body) => { await attempt(patch(`/v1/sensors/${id}`, body), "Saved"); refresh(["sensors", "zones"]); };
  const rename = () => {
    const wanted = name.trim();
    if (wanted === (s.name || s.sensor_id || "")) return;
    save({ name: wanted && wanted !== s.sensor_id ? wanted : null });
  };
  const remove = async () => { setAsking(false); await attempt(del(`/v1/sensors/${id}`), "Removed"); refresh(["sensors"]); };
  const weight = state.zones.find((z) => z.id === s.zone)?.sensor_weights?.[s.id];
  return html`<tr>
    <td><label class="field">Name<input id="sn-${s.id}" value=${name} onInput=${(e) => setName(e.target.value)}
        onChange=${rename} style="width:100%" /></label>
      <div class="muted id">${s.id}</div></td>
    <td class=${s.stale ? "stale-value" : ""}>${withUnit(s.last_value, 2)}<div class="muted" style="font-size:.75rem">${age(s.age_s)}${s.stale ? " · stale" : ""}</div></td>
    <td><label class="sr-only" for="sz-${s.id}">Zone of ${s.id}</label>
      <select id="sz-${s.id}" value=${s.zone} onChange=${(e) => save({ zone: e.target.value })}>
        ${state.zones.map((z) => html`<option value=${z.id}>${z.name}</option>`)}</select>
      ${weight !== undefined && html`<div class="muted" style="font-size:.75rem">weight ${weight}</div>`}</td>
    <td>${asking
      ? html`<div class="confirm" role="group" aria-label="Forget ${s.name || s.id}?"><span>Forget it?</span>
          <button class="btn danger small" onClick=${remove}>Remove</button>
          <button class="btn small" onClick=${() => setAsking(false)}>Keep</button></div>`
      : html`<button class="linkish" aria-label="Remove sensor ${s.name || s.id}…" onClick=${() => setAsking(true)}>Remove…</button>`}</td>
  </tr>`;
}

function ZoneRow({ z }) {
  const id = encodeURIComponent(z.id);
  const save = async (body) => { await attempt(patch(`/v1/zones/${id}`, body), "Saved"); refresh(["zones"]); };
  const num = (label, key, step = 0.5) => html`<label class="field">${label}<input type="number" step=${step} value=${z[key]} onChange=${(e) => save({ [key]: Number(e.target.value) })} /></label>`;
  return html`<section class="card" style="display:grid;gap:.75rem">
    <div class="row"><h3 style="margin:0">${z.name}</h3><span class="muted">${z.id}</span><span class="spacer"></span>
      ${z.id !== "house" && html`<button class="btn danger" onClick=${async () => { if (confirm(`Delete zone ${z.name}?`)) { await attempt(del(`/v1/zones/${id}`), "Zone deleted"); refresh(); } }}>Delete</button>`}</div>
    <div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.75rem">
      <label class="field">Name<input value=${z.name} onChange=${(e) => save({ name: e.target.value })} /></label>
      <label class="field">Mode<select value=${z.mode} onChange=${(e) => save({ mode: e.target.value })}>${["off", "heat", "cool", "auto"].map((m) => html`<option>${m}</option>`)}</select></label>
      ${num("Frost limit °C", "frost_c")}${num("Maximum °C", "max_c")}
      ${["home", "away", "eco", "sleep", "comfort"].map((p) => html`<label class="field">${p[0].toUpperCase() + p.slice(1)} °C<input type="number" step="0.5" value=${z.presets?.[p]} onChange=${(e) => save({ presets: { ...z.presets, [p]: Number(e.target.value) } })} /></label>`)}
    </div>
  </section>`;
}

export function Devices() {
  const [newZone, setNewZone] = useState("");
  const create = async (e) => {
    e.preventDefault();
    const id = newZone.trim().toLowerCase().replace(/[^a-z0-9._~-]+/g, "-");
    if (!id) return;
    await attempt(post("/v1/zones", { id, name: newZone.trim() }), "Zone created");
    setNewZone("");
    refresh(["zones"]);
  };
  return html`<div style="display:grid;gap:1rem">
    <section class="card" style="overflow-x:auto"><h2>Sensors</h2>
      ${state.sensors.length ? html`<table class="stack"><thead><tr><th>Name</th><th>Value</th><th>Zone</th><th><span class="sr-only">Remove</span></th></tr></thead>
        <tbody>${state.sensors.map((s) => html`<${SensorRow} key=${s.id} s=${s} />`)}</tbody></table>` : html`<p class="muted">No sensor has reported yet.</p>`}
    </section>
    <section class="card" style="overflow-x:auto"><h2>Relays</h2>
      ${state.relays.length ? html`<table class="stack"><thead><tr><th>Output</th><th>Function</th><th>State</th><th>Last contact</th></tr></thead><tbody>
        ${state.relays.map((r) => html`<tr><td>${r.output}<div class="muted id">${r.id}</div></td><td>${r.function}</td>
          <td class=${r.in_sync === false || r.fault ? "stale-value" : ""}>${r.reported}${r.commanded && r.commanded !== r.reported ? ` (wants ${r.commanded})` : ""}${r.fault ? ` · ${r.fault}` : ""}</td>
          <td>${r.reachable === false ? html`<span class="stale-value">unreachable</span>` : clockText(r.last_contact)}</td></tr>`)}
      </tbody></table>` : html`<p class="muted">No relay agent has registered yet.</p>`}
    </section>
    <section class="card"><h2>Alarms</h2>
      ${state.alarms.filter((a) => a.active).length ? html`<ul>${state.alarms.filter((a) => a.active).map((a) => html`<li class="stale-value">${a.message} <span class="muted">(${clockText(a.raised_at)})</span></li>`)}</ul>` : html`<p class="muted">No active alarm.</p>`}
    </section>
    <h2 style="margin:.5rem 0 0">Zones</h2>
    ${state.zones.map((z) => html`<${ZoneRow} key=${z.id} z=${z} />`)}
    <form class="card row" onSubmit=${create}>
      <label class="field" style="flex:1">New zone<input value=${newZone} onInput=${(e) => setNewZone(e.target.value)} placeholder="e.g. Upstairs" /></label>
      <button class="btn primary" style="align-self:end">Create zone</button>
    </form>
  </div>`;
}
