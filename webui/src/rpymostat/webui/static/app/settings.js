// Settings: units, time zone, the decider and its parameters (forms from the plugins' JSON
// schemas), alarms and the log stream from the bus.
import { html, useEffect, useState } from "./ui.js";
import { patch } from "./api.js";
import { state, refresh, loadPlugins } from "./store.js";
import { ZonePicker, attempt } from "./common.js";
import { setUnits, units, clockText, timeOf } from "./format.js";

function SchemaForm({ schema, values, onSave }) {
  const [draft, setDraft] = useState({ ...values });
  useEffect(() => setDraft({ ...values }), [JSON.stringify(values)]);
  const props = Object.entries(schema?.properties || {});
  if (!props.length) return html`<p class="muted">This decider has no parameters.</p>`;
  return html`<form onSubmit=${(e) => { e.preventDefault(); onSave(draft); }} style="display:grid;gap:.75rem">
    <div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:.75rem">
    ${props.map(([key, p]) => {
      const value = draft[key] ?? p.default ?? "";
      const set = (v) => setDraft({ ...draft, [key]: v });
      const label = `${key.replaceAll("_", " ")}${p.description ? ` — ${p.description}` : ""}`;
      if (p.type === "boolean") return html`<label class="field row"><input type="checkbox" checked=${!!value} onChange=${(e) => set(e.target.checked)} />${label}</label>`;
      if (p.enum) return html`<label class="field">${label}<select value=${value} onChange=${(e) => set(e.target.value)}>${p.enum.map((o) => html`<option>${o}</option>`)}</select></label>`;
      const numeric = p.type === "number" || p.type === "integer";
      return html`<label class="field">${label}<input type=${numeric ? "number" : "text"} step=${p.type === "integer" ? 1 : "any"} min=${p.minimum} max=${p.maximum} value=${value}
        onInput=${(e) => set(numeric ? (e.target.value === "" ? undefined : Number(e.target.value)) : e.target.value)} /></label>`;
    })}
    </div>
    <div><button class="btn primary">Save parameters</button></div>
  </form>`;
}

export function Settings() {
  const [zoneId, setZoneId] = useState(null);
  const [u, setU] = useState(units());
  const [plugins, setPlugins] = useState(state.plugins);
  useEffect(() => { loadPlugins().then(setPlugins).catch(() => {}); }, []);
  const zone = state.zones.find((z) => z.id === zoneId) || state.zones[0];
  const decider = plugins?.deciders?.find((d) => d.name === zone?.decider);
  const save = async (body) => { await attempt(patch(`/v1/zones/${encodeURIComponent(zone.id)}`, body), "Saved"); refresh(["zones"]); };
  const zones = (() => { try { return Intl.supportedValuesOf("timeZone"); } catch { return []; } })();
  const houseLink = `${location.protocol}//${location.hostname || "localhost"}:${Number(location.port || 80) + 13}/`;
  return html`<div style="display:grid;gap:1rem;max-width:900px">
    <section class="card row">
      <h2 style="margin:0;flex:1">Units</h2>
      <div class="chips" role="group" aria-label="Temperature unit">
        ${["C", "F"].map((x) => html`<button class="chip" aria-pressed=${u === x} onClick=${() => { setUnits(x); setU(x); refresh(["zones"]); }}>°${x}</button>`)}
      </div>
    </section>
    ${zone && html`<section class="card" style="display:grid;gap:1rem">
      <h2 style="margin:0">Control of ${zone.name}</h2>
      <${ZonePicker} value=${zone.id} onChange=${setZoneId} />
      <label class="field">Time zone<input list="tzs" value=${zone.timezone} onChange=${(e) => save({ timezone: e.target.value })} /></label>
      <datalist id="tzs">${zones.map((t) => html`<option value=${t} />`)}</datalist>
      <label class="field">Decider<select value=${zone.decider} onChange=${(e) => save({ decider: e.target.value, decider_params: {} })}>
        ${(plugins?.deciders || [{ name: zone.decider }]).map((d) => html`<option value=${d.name}>${d.name}</option>`)}</select></label>
      ${decider && html`<p class="muted" style="margin:0">${decider.description}</p>`}
      ${decider && html`<${SchemaForm} schema=${decider.schema} values=${zone.decider_params || {}} onSave=${(params) => save({ decider_params: params })} />`}
    </section>`}
    <section class="card"><h2>Alarms</h2>
      ${state.alarms.length ? html`<ul data-testid="alarms">${state.alarms.slice(0, 20).map((a) => html`<li class=${a.active ? "stale-value" : "muted"} data-alarm=${a.kind} data-active=${a.active ? "yes" : "no"}>${a.message} (${a.active ? "active" : "cleared"}, ${clockText(a.raised_at)})</li>`)}</ul>` : html`<p class="muted">No alarm so far.</p>`}
    </section>
    <section class="card"><h2>Log</h2>
      ${state.logs.length ? html`<ol style="list-style:none;padding:0;margin:0;font-family:ui-monospace,monospace;font-size:.8rem;max-height:40vh;overflow:auto" aria-live="off">
        ${state.logs.slice().reverse().map((l) => html`<li>${timeOf(l.ts * 1000)} ${l.topic.replace(/^log\./, "")}: ${l.text || l.message || JSON.stringify(l)}</li>`)}</ol>` : html`<p class="muted">Warnings and errors of every daemon appear here as they happen.</p>`}
    </section>
    <section class="card"><h2>About</h2><p class="muted" style="margin:0">RPyMostat web UI ${state.version}. <a href="/v1/status">Status</a> · <a href="#/wall">Wall mode</a> · <a href=${houseLink}>Simulated house</a> (only with <code>make run</code>'s demo; its time runs faster than real time).</p></section>
  </div>`;
}
