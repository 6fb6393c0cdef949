// History: temperature, target and heating periods per zone over day/week/month/year with
// uPlot (loaded only here), and heating runtime per day. Needs the engine's history API
// (GET /v1/history, GET /v1/stats/runtime); an engine without it gets a calm notice.
import { html, useEffect, useRef, useState } from "./ui.js";
import { get } from "./api.js";
import { state } from "./store.js";
import { ZonePicker } from "./common.js";
import { duration } from "./format.js";

const RANGES = [["day", 86400], ["week", 7 * 86400], ["month", 30 * 86400], ["year", 365 * 86400]];

function series(body) {
  // {series: [{id, points: [[t, min, mean, max] | [t, v]], ...}]} → uPlot columns
  const list = body?.series || [];
  const times = new Set();
  list.forEach((s) => (s.points || []).forEach((p) => times.add(typeof p[0] === "number" ? p[0] : Date.parse(p[0]) / 1000)));
  const xs = [...times].sort((a, b) => a - b);
  const cols = list.map((s) => {
    const m = new Map((s.points || []).map((p) => [typeof p[0] === "number" ? p[0] : Date.parse(p[0]) / 1000, p.length > 2 ? p[2] : p[1]]));
    return xs.map((x) => m.get(x) ?? null);
  });
  return { xs, cols, names: list.map((s) => s.name || s.id) };
}

export function History() {
  const [zoneId, setZoneId] = useState(null);
  const zone = state.zones.find((z) => z.id === zoneId) || state.zones[0];
  const [range, setRange] = useState("day");
  const [status, setStatus] = useState("loading");
  const [runtime, setRuntime] = useState(null);
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    if (!zone) return undefined;
    let gone = false;
    (async () => {
      const end = new Date();
      const start = new Date(end - RANGES.find(([r]) => r === range)[1] * 1000);
      const ids = [`zone.${zone.id}.temperature`, `zone.${zone.id}.target`].join(",");
      try {
        const body = await get(`/v1/history?series=${encodeURIComponent(ids)}&start=${start.toISOString()}&end=${end.toISOString()}&resolution=auto`);
        const rt = await get(`/v1/stats/runtime?zone=${encodeURIComponent(zone.id)}&period=${range === "day" ? "day" : range === "week" ? "week" : "month"}`).catch(() => null);
        if (gone) return;
        setRuntime(rt);
        const { default: uPlot } = await import("/static/vendor/uplot/uPlot.esm.js");
        const { xs, cols, names } = series(body);
        plot.current?.destroy();
        const colours = ["#ff8a3d", "#f2f4f7", "#4da3ff"];
        plot.current = new uPlot({ width: box.current.clientWidth, height: 320,
          series: [{}, ...names.map((n, i) => ({ label: n, stroke: colours[i % 3], width: 2 }))],
          axes: [{ stroke: "#a9b1bd", grid: { stroke: "#2e353f" } }, { stroke: "#a9b1bd", grid: { stroke: "#2e353f" } }],
          cursor: { drag: { x: true, y: false } } }, [xs, ...cols], box.current);
        setStatus("ok");
      } catch (e) {
        if (!gone) setStatus(e.status === 404 ? "missing" : `error: ${e.message}`);
      }
    })();
    return () => { gone = true; plot.current?.destroy(); plot.current = null; };
  }, [zone?.id, range]);
  if (!zone) return html`<p class="muted">No zones yet.</p>`;
  return html`<div style="display:grid;gap:1rem">
    <${ZonePicker} value=${zone.id} onChange=${setZoneId} />
    <div class="chips" role="group" aria-label="Range">${RANGES.map(([r]) => html`<button class="chip" aria-pressed=${range === r} onClick=${() => setRange(r)}>${r[0].toUpperCase() + r.slice(1)}</button>`)}</div>
    <section class="card">
      <h2>${zone.name}</h2>
      ${status === "missing" && html`<p data-testid="history-missing">History is not available on this engine yet (it answers 404 to <code>/v1/history</code>). Everything else works; graphs appear once the engine has its history API.</p>`}
      ${status.startsWith("error") && html`<p class="stale-value">${status}</p>`}
      <div ref=${box} class="history-chart" hidden=${status !== "ok" && status !== "loading"}></div>
      ${runtime && html`<p class="muted">Heating ran ${duration(runtime.heat_s ?? runtime.seconds ?? 0) || "0 min"} this ${range}.</p>`}
    </section>
  </div>`;
}
