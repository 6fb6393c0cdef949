// History: each zone's temperature (its sensors), target (steps) and heating/cooling periods
// (shaded), day / week / month / year, drag to zoom (double-tap resets); heating runtime per
// hour or day. Built on the engine's GET /v1/history and GET /v1/stats/runtime; an engine
// without them (404) gets a calm notice instead.
import { html, useEffect, useRef, useState } from "./ui.js";
import { get } from "./api.js";
import { state } from "./store.js";
import { ZonePicker } from "./common.js";
import { dayOf, duration, timeOf } from "./format.js";

const RANGES = [["day", 86400, "day"], ["week", 7 * 86400, "week"], ["month", 30 * 86400, "month"], ["year", 365 * 86400, "month"]];
const COLOURS = ["#f2f4f7", "#9cc7ff", "#c792ea", "#3ecf8e"];

// The history answer → uPlot's columns (seconds), line series, shaded intervals.
export function toColumns(body, zoneId) {
  const list = body?.series || [];
  const lines = [];
  for (const s of list) {
    if (s.kind === "sensor" && s.t) lines.push({ label: s.id.split(":").pop(), t: s.t, v: s.value || s.mean, step: false });
    else if (s.kind === "zone" && s.t) {
      // a step function: hold the last value to the end of the window
      const end = Date.parse(body.end);
      const t = s.t.length && end > s.t[s.t.length - 1] ? [...s.t, end] : s.t;
      lines.push({ label: "target", t, v: t === s.t ? s.target : [...s.target, s.target[s.target.length - 1]], step: true });
    }
  }
  const xs = [...new Set(lines.flatMap((l) => l.t))].sort((a, b) => a - b);
  const cols = lines.map((l) => { const m = new Map(l.t.map((t, i) => [t, l.v[i]])); return xs.map((x) => m.get(x) ?? null); });
  const bands = list.filter((s) => s.kind === "output").flatMap((s) => (s.intervals || []).map((iv) => ({ ...iv, end: iv.end ?? Date.parse(body.end), cool: /cool/.test(s.id) })));
  return { xs: xs.map((x) => x / 1000), cols, lines, bands, zoneId };
}

// Touch: one finger pans, two fingers pinch-zoom the time axis, a double tap resets.
export function touchZoom(u, full) {
  const el = u.over;
  let start = null;
  let lastTap = 0;
  const span = () => [u.scales.x.min, u.scales.x.max];
  const mark = () => { u.root.dataset.range = span().map((v) => Math.round(v)).join(","); };
  const clamp = (lo, hi) => {
    const w = Math.min(hi - lo, full[1] - full[0]);
    lo = Math.max(full[0], Math.min(lo, full[1] - w));
    return [lo, lo + w];
  };
  el.style.touchAction = "none";
  el.addEventListener("touchstart", (e) => {
    const now = Date.now();
    if (e.touches.length === 1 && now - lastTap < 300) { u.setScale("x", { min: full[0], max: full[1] }); mark(); start = null; return; }
    lastTap = now;
    const box = el.getBoundingClientRect();
    const xs = [...e.touches].map((t) => t.clientX - box.left);
    start = { xs, range: span(), width: box.width };
  }, { passive: true });
  el.addEventListener("touchmove", (e) => {
    if (!start) return;
    const box = el.getBoundingClientRect();
    const xs = [...e.touches].map((t) => t.clientX - box.left);
    const [lo, hi] = start.range;
    const per = (hi - lo) / start.width;
    let range;
    if (xs.length >= 2 && start.xs.length >= 2) {
      const d0 = Math.abs(start.xs[1] - start.xs[0]) || 1, d1 = Math.abs(xs[1] - xs[0]) || 1;
      const mid0 = lo + ((start.xs[0] + start.xs[1]) / 2) * per;
      const w = (hi - lo) * d0 / d1;
      const midPx = (xs[0] + xs[1]) / 2;
      range = [mid0 - (midPx / start.width) * w, mid0 - (midPx / start.width) * w + w];
    } else {
      const dx = xs[0] - start.xs[0];
      range = [lo - dx * per, hi - dx * per];
    }
    const [a, b] = clamp(...range);
    u.setScale("x", { min: a, max: b });
    mark();
  }, { passive: true });
  el.addEventListener("touchend", () => { start = null; }, { passive: true });
}

function RuntimeBars({ stats }) {
  if (!stats?.buckets?.length) return null;
  const heatIds = (stats.outputs || []).filter((o) => !/cool/.test(o));
  const rows = stats.buckets.map((b) => ({ start: b.start, s: heatIds.reduce((a, o) => a + (b.on_s?.[o] || 0), 0) }));
  const max = Math.max(1, ...rows.map((r) => r.s));
  const total = rows.reduce((a, r) => a + r.s, 0);
  const hourly = stats.bucket === "1h";
  // what each bar is: its hour (every 6th labelled) or its day (every bar, or every 5th)
  const every = hourly ? 6 : rows.length > 10 ? 5 : 1;
  const name = (r) => (hourly ? timeOf(r.start) : dayOf(r.start));
  const first = rows[0]?.start, last = rows[rows.length - 1]?.start;
  const span = hourly ? `${dayOf(first)} ${timeOf(first)} – ${dayOf(last)} ${timeOf(Date.parse(last) + 3600e3)}` : `${dayOf(first)} – ${dayOf(last)}`;
  const cycles = stats.totals?.cycles ? Object.values(stats.totals.cycles).reduce((a, b) => a + b, 0) : 0;
  return html`<div class="runtime">
    <h3>Heating time per ${hourly ? "hour" : "day"} <span class="muted">(${span})</span></h3>
    <p class="muted">${total > 0 ? `Heating ran ${duration(total)} in this ${stats.period}${cycles ? `, ${cycles} ${cycles === 1 ? "start" : "starts"}` : ""}.` : `The heating did not run in this ${stats.period}.`}</p>
    <div class="bars-box">
      <div class="bars-scale" aria-hidden="true"><span>${total === 0 ? "" : max < 3600 ? `${Math.max(1, Math.round(max / 60))} min` : `${(max / 3600).toFixed(1)} h`}</span><span>0</span></div>
      <div class="bars" role="img" aria-label="Heating time per ${hourly ? "hour" : "day"}, ${span}">
        ${rows.map((r) => html`<div title="${name(r)}: ${duration(r.s) || "0"}" style="height:${Math.max(2, (r.s / max) * 80)}px;opacity:${r.s ? 1 : 0.25}"></div>`)}
      </div>
      <span></span>
      <div class="bars-axis" aria-hidden="true">${rows.map((r, i) => html`<span>${i % every === 0 ? name(r) : ""}</span>`)}</div>
    </div></div>`;
}

export function History() {
  const [zoneId, setZoneId] = useState(null);
  const zone = state.zones.find((z) => z.id === zoneId) || state.zones[0];
  const [range, setRange] = useState("day");
  const [status, setStatus] = useState("loading");
  const [runtime, setRuntime] = useState(null);
  const [bandCount, setBandCount] = useState(0);
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    if (!zone) return undefined;
    let gone = false;
    (async () => {
      const [, seconds, period] = RANGES.find(([r]) => r === range);
      const end = new Date();
      const start = new Date(end - seconds * 1000);
      const sensors = (zone.state?.sensors || []).map((s) => s.id);
      const outputs = (zone.state?.outputs || []).map((o) => o.id);
      const ids = [...sensors, ...outputs, zone.id].join(",");
      try {
        const body = await get(`/v1/history?series=${encodeURIComponent(ids)}&start=${start.toISOString()}&end=${end.toISOString()}&resolution=auto`);
        const rt = await get(`/v1/stats/runtime?zone=${encodeURIComponent(zone.id)}&period=${period}`).catch(() => null);
        if (gone) return;
        setRuntime(rt);
        setStatus("ok");
        const { default: uPlot } = await import("/static/vendor/uplot/uPlot.esm.js");
        const data = toColumns(body, zone.id);
        setBandCount(data.bands.length);
        plot.current?.destroy();
        const long = seconds > 2 * 86400;
        // labels in the page's one time format, far enough apart not to touch on a phone
        const xValues = (u, splits) => splits.map((v) => (long ? dayOf(v * 1000) : timeOf(v * 1000)));
        const stepped = uPlot.paths.stepped({ align: 1 });
        const bands = (u) => {
          const { ctx } = u;
          const top = u.bbox.top, h = u.bbox.height;
          for (const b of data.bands) {
            const x0 = u.valToPos(b.start / 1000, "x", true), x1 = u.valToPos(b.end / 1000, "x", true);
            // at least 4 device pixels: a few minutes of heating in a month is still seen
            ctx.fillStyle = b.cool ? "rgba(77,163,255,.35)" : "rgba(255,138,61,.35)";
            const left = Math.max(u.bbox.left, x0), right = Math.min(u.bbox.left + u.bbox.width, x1);
            if (right < u.bbox.left || left > u.bbox.left + u.bbox.width) continue;
            ctx.fillRect(left, top, Math.max(4 * devicePixelRatio, right - left), h);
          }
        };
        plot.current = new uPlot({
          width: box.current.clientWidth, height: 300,
          series: [{}, ...data.lines.map((l, i) => ({ label: l.label, stroke: l.step ? "#ff8a3d" : COLOURS[i % COLOURS.length], width: l.step ? 2 : 1.5, spanGaps: true, dash: l.step ? [6, 4] : undefined, points: { show: (u, si, i0, i1) => !l.step && i1 - i0 < 120, size: 5 }, paths: l.step ? stepped : undefined }))],
          scales: { x: { time: true, range: (u, lo, hi) => (lo === null || lo === hi ? [start / 1000, end / 1000] : [lo, hi]) } },
          axes: [{ stroke: "#a9b1bd", grid: { stroke: "#2e353f" }, ticks: { stroke: "#2e353f" }, space: 90, values: xValues }, { stroke: "#a9b1bd", grid: { stroke: "#2e353f" }, ticks: { stroke: "#2e353f" }, label: "°C" }],
          legend: { live: false },
          cursor: { drag: { x: true, y: false } },
          hooks: { drawClear: [bands], setScale: [(u, key) => { if (key === "x") u.root.dataset.range = `${Math.round(u.scales.x.min)},${Math.round(u.scales.x.max)}`; }] },
        }, [data.xs, ...data.cols], box.current);
        plot.current.setScale("x", { min: start.getTime() / 1000, max: end.getTime() / 1000 });
        touchZoom(plot.current, [start.getTime() / 1000, end.getTime() / 1000]);
      } catch (e) {
        if (!gone) setStatus(e.status === 404 ? "missing" : `error: ${e.message}`);
      }
    })();
    return () => { gone = true; plot.current?.destroy(); plot.current = null; };
  }, [zone?.id, range]);
  if (!zone) return html`<p class="muted">No zones yet.</p>`;
  return html`<div style="display:grid;gap:1rem">
    <link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css" />
    <${ZonePicker} value=${zone.id} onChange=${setZoneId} />
    <div class="chips" role="group" aria-label="Range">${RANGES.map(([r]) => html`<button class="chip" aria-pressed=${range === r} onClick=${() => setRange(r)}>${r[0].toUpperCase() + r.slice(1)}</button>`)}</div>
    <section class="card">
      <h2>${zone.name}</h2>
      ${status === "missing" && html`<p data-testid="history-missing">History is not available on this engine yet (it answers 404 to <code>/v1/history</code>). Everything else works; graphs appear once the engine has its history API.</p>`}
      ${status.startsWith("error") && html`<p class="stale-value">${status}</p>`}
      <div ref=${box} class="history-chart" hidden=${status !== "ok"} aria-label="Temperature, target and heating of ${zone.name}" role="img"></div>
      ${status === "ok" && html`<p class="muted" style="font-size:.85rem">${bandCount ? "Shaded: heating on. " : "The heating did not run in this period. "}Dashed: target. Pinch or drag across the chart to zoom, swipe to move; double-tap to reset.</p>`}
      ${status === "ok" && html`<${RuntimeBars} stats=${runtime} />`}
    </section>
  </div>`;
}
