// Pieces every screen uses: the banner, toasts, icons, the zone picker.
import { html, useEffect, useState } from "./ui.js";
import { state, trouble } from "./store.js";

let toastTimer = null;
let toastSetter = null;
export function toast(text, error = false) {
  if (!toastSetter) return;
  toastSetter({ text, error });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => toastSetter(null), error ? 6000 : 2500);
}

export function Toast() {
  const [t, setT] = useState(null);
  useEffect(() => { toastSetter = setT; return () => { toastSetter = null; }; }, []);
  return html`<div aria-live="polite" role="status">${t && html`<div class="toast ${t.error ? "error" : ""}">${t.text}</div>`}</div>`;
}

export function Banner() {
  const t = trouble();
  return html`<div aria-live="assertive">${t && html`<div class="banner ${t.kind}" role="alert" data-banner=${t.kind}><span class="dot" aria-hidden="true"></span>${t.text}</div>`}</div>`;
}

export async function attempt(promise, done) {
  try {
    const result = await promise;
    if (done) toast(done);
    return result;
  } catch (e) {
    toast(e.message, true);
    return undefined;
  }
}

export function ZonePicker({ value, onChange, label = "Zone" }) {
  if (state.zones.length < 2) return null;
  return html`<label class="field">${label}
    <select value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${state.zones.map((z) => html`<option value=${z.id}>${z.name}</option>`)}
    </select></label>`;
}

const PATHS = {
  home: "M3 11l9-8 9 8v10a1 1 0 0 1-1 1h-5v-7H9v7H4a1 1 0 0 1-1-1z",
  schedule: "M7 2v3M17 2v3M3 8h18M4 5h16v16H4zM8 12h3v3H8z",
  away: "M2 16l20-6-1-3-7 2-6-6-2 1 4 6-5 2-3-2-1 1 3 4z",
  history: "M3 20h18M5 16l4-5 4 3 6-8",
  devices: "M6 2h12v20H6zM10 18h4M9 6h6",
  settings: "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19 12l2-1-2-4-2 1-2-1-1-2H10L9 5 7 6 5 5 3 9l2 1v2l-2 1 2 4 2-1 2 1 1 2h4l1-2 2-1 2 1 2-4z",
  wall: "M3 4h18v13H3zM8 21h8M12 17v4",
};
export function Icon({ name }) {
  return html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d=${PATHS[name]} /></svg>`;
}
