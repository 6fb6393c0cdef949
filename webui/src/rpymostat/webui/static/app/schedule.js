// Schedule: a weekly timeline per zone, edited by touch (tap to add, drag to move, drag the
// grip to resize, tap a block to set its target or delete it), the engine's plan on top.
// Cron and ISO 8601 rules made through the API are listed read-only with their text.
import { html, useEffect, useRef, useState } from "./ui.js";
import { get, post, put, del } from "./api.js";
import { state } from "./store.js";
import { ZonePicker, attempt } from "./common.js";
import { clockText, hourText, minutesText, temp, withUnit } from "./format.js";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_LABEL = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const STEP = 30; // minutes

export function parseDays(spec) {
  const out = new Set();
  const items = Array.isArray(spec) ? spec : String(spec).toLowerCase().split(",");
  for (let item of items) {
    item = String(item).trim().toLowerCase();
    if (item === "daily" || item === "*") DAYS.forEach((_, i) => out.add(i));
    else if (item === "weekdays") [0, 1, 2, 3, 4].forEach((i) => out.add(i));
    else if (item === "weekends") [5, 6].forEach((i) => out.add(i));
    else if (item.includes("-")) {
      const [a, b] = item.split("-").map((d) => DAYS.indexOf(d.slice(0, 3)));
      if (a >= 0 && b >= 0) for (let i = a; ; i = (i + 1) % 7) { out.add(i); if (i === b) break; }
    } else if (DAYS.indexOf(item.slice(0, 3)) >= 0) out.add(DAYS.indexOf(item.slice(0, 3)));
  }
  return out;
}

const toMin = (hhmm) => { const [h, m] = hhmm.split(":").map(Number); return h * 60 + m; };
const toHHMM = (min) => { const m = ((min % 1440) + 1440) % 1440; return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`; };

export function zoneNow(timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: timeZone || undefined, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date());
  const get_ = (t) => parts.find((p) => p.type === t)?.value;
  return { day: DAYS.indexOf(get_("weekday").toLowerCase().slice(0, 3)), minute: Number(get_("hour")) * 60 + Number(get_("minute")) };
}

function blocksFor(rules) {
  const blocks = [];
  for (const r of rules) {
    if (r.scheduler !== "weekly") continue;
    const from = toMin(r.params.from), to = toMin(r.params.to);
    for (const d of parseDays(r.params.days)) {
      if (to > from) blocks.push({ rule: r, day: d, start: from, end: to });
      else {
        blocks.push({ rule: r, day: d, start: from, end: 1440 });
        if (to > 0) blocks.push({ rule: r, day: (d + 1) % 7, start: 0, end: to, tail: true });
      }
    }
  }
  return blocks;
}

function targetText(t, zone) {
  if (typeof t === "number") return withUnit(t);
  const v = zone.presets?.[t];
  return `${t}${typeof v === "number" ? ` ${temp(v)}°` : ""}`;
}

function Track({ day, isToday, nowMin, blocks, zone, onCreate, onMove, selected, onSelect }) {
  const ref = useRef(null);
  const drag = useRef(null);
  const [preview, setPreview] = useState(null);
  const minutesAt = (clientX) => {
    const box = ref.current.getBoundingClientRect();
    return Math.max(0, Math.min(1440, Math.round(((clientX - box.left) / box.width) * 1440 / STEP) * STEP));
  };
  function down(e, block, mode) {
    e.stopPropagation();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drag.current = { block, mode, x: e.clientX, at: minutesAt(e.clientX), moved: false };
  }
  function move(e) {
    const d = drag.current;
    if (!d || !d.block) return;
    const delta = minutesAt(e.clientX) - d.at;
    if (Math.abs(e.clientX - d.x) > 6) d.moved = true;
    if (!d.moved) return;
    const b = d.block;
    const len = b.end - b.start;
    if (d.mode === "resize") setPreview({ block: b, start: b.start, end: Math.max(b.start + STEP, Math.min(1440, b.end + delta)) });
    else { const s = Math.max(0, Math.min(1440 - len, b.start + delta)); setPreview({ block: b, start: s, end: s + len }); }
  }
  function up(e) {
    const d = drag.current;
    drag.current = null;
    if (d && d.block) {
      if (d.moved && preview) onMove(d.block, preview.start, preview.end);
      else onSelect(d.block);
      setPreview(null);
    }
  }
  function trackDown(e) { drag.current = { block: null, x: e.clientX }; }
  function trackUp(e) {
    const d = drag.current;
    drag.current = null;
    if (d && !d.block && Math.abs(e.clientX - d.x) < 8) onCreate(day, minutesAt(e.clientX));
  }
  return html`<div class="day ${isToday ? "today" : ""}">
    <span id="day-${day}">${DAY_LABEL[day]}</span>
    <div class="track" ref=${ref} role="group" aria-labelledby="day-${day}" data-testid="track-${DAYS[day]}"
      onPointerDown=${trackDown} onPointerUp=${trackUp} onPointerMove=${move}>
      ${[6, 12, 18].map((hh) => html`<div class="hour" style="left:${hh / 24 * 100}%"></div>`)}
      ${isToday && html`<div class="now" style="left:${nowMin / 1440 * 100}%" aria-hidden="true"></div>`}
      ${blocks.map((b) => {
        const p = preview && preview.block === b ? preview : b;
        const label = `${b.rule.name || "Block"} ${minutesText(p.start)}–${minutesText(p.end)}, ${targetText(b.rule.target, zone)}`;
        return html`<button class="block ${selected === b.rule.id ? "sel" : ""}" style="left:${p.start / 1440 * 100}%;width:${(p.end - p.start) / 1440 * 100}%"
          aria-label=${label} data-rule=${b.rule.id}
          onPointerDown=${(e) => down(e, b, "move")} onPointerMove=${move} onPointerUp=${up}
          onKeyDown=${(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSelect(b); } }}>
          ${targetText(b.rule.target, zone)}
          ${!b.tail && html`<span class="grip" aria-hidden="true" onPointerDown=${(e) => down(e, b, "resize")}></span>`}
        </button>`;
      })}
    </div>
  </div>`;
}

function Plan({ plan, zone }) {
  // The same boxes before the plan arrives (an empty bar): the week below must not move
  // under a finger when it loads (no layout shift).
  const ready = !!plan?.segments?.length;
  const t0 = ready ? Date.parse(plan.start) : 0, t1 = ready ? Date.parse(plan.end) : 86400e3;
  return html`<div data-testid="plan" data-ready=${ready ? "yes" : "no"}>
    <div class="plan" role="list" aria-busy=${ready ? "false" : "true"} aria-label="The plan for the next ${Math.round((t1 - t0) / 3600e3)} hours">
      ${!ready ? null : plan.segments.map((s) => {
        const a = Math.max(t0, Date.parse(s.start)), b = Math.min(t1, Date.parse(s.end));
        const words = `${clockText(s.start, zone.timezone)}–${clockText(s.end, zone.timezone)}: ${withUnit(s.target)} (${s.rule?.kind}${s.rule?.name ? ` “${s.rule.name}”` : ""})`;
        return html`<div role="listitem" class="k-${s.rule?.kind}" style="width:${(b - a) / (t1 - t0) * 100}%" title=${words} aria-label=${words} data-rule=${s.rule?.id || ""}>${(b - a) > (t1 - t0) / 14 ? temp(s.target) : ""}</div>`;
      })}
    </div>
    <div class="hours" style="grid-template-columns:1fr"><div><span>now</span><span>+${Math.round((t1 - t0) / 7200e3)} h</span><span>+${Math.round((t1 - t0) / 3600e3)} h</span></div></div>
    <div class="legend">${["schedule", "override", "adjustment", "default"].map((k) => html`<span><i class="k-${k}"></i>${k}</span>`)}</div>
  </div>`;
}

function Editor({ rule, zone, onChange, onClose }) {
  const [target, setTarget] = useState(typeof rule.target === "number" ? rule.target : zone.presets?.[rule.target] ?? 20);
  const days = [...parseDays(rule.params.days)].sort();
  async function save(t) {
    setTarget(t);
    await attempt(put(`/v1/zones/${encodeURIComponent(zone.id)}/schedules/${rule.id}`, { ...pick(rule), target: t }), `Set to ${withUnit(t)}`);
    onChange();
  }
  async function remove() {
    await attempt(del(`/v1/zones/${encodeURIComponent(zone.id)}/schedules/${rule.id}`), "Block removed");
    onClose(); onChange();
  }
  return html`<section class="card" aria-label="Edit block">
    <div class="row"><h3 style="margin:0">${rule.name || "Block"}: ${minutesText(toMin(rule.params.from))}–${minutesText(toMin(rule.params.to))}, ${days.map((d) => DAY_LABEL[d]).join(", ")}</h3><span class="spacer"></span>
      <button class="btn" onClick=${onClose}>Done</button></div>
    <div class="row" style="margin-top:1rem">
      <button class="round" aria-label="Lower block target" onClick=${() => save(Math.round((target - 0.5) * 2) / 2)}>−</button>
      <b style="font-size:2.4rem;font-weight:300;min-width:5ch;text-align:center">${withUnit(target)}</b>
      <button class="round" aria-label="Raise block target" onClick=${() => save(Math.round((target + 0.5) * 2) / 2)}>+</button>
      <span class="spacer"></span>
      <button class="btn danger" onClick=${remove}>Delete block</button>
    </div>
  </section>`;
}

function AddForm({ zone, onAdd }) {
  const [day, setDay] = useState("mon-fri");
  const [from, setFrom] = useState("07:00");
  const [to, setTo] = useState("09:00");
  const [target, setTarget] = useState(zone.presets?.comfort ?? 21);
  const submit = (e) => { e.preventDefault(); onAdd({ days: day, from, to }, Number(target)); };
  return html`<form class="card" onSubmit=${submit} aria-label="Add a block">
    <h2>Add a block</h2>
    <div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:.75rem;align-items:end">
      <label class="field">Days<select value=${day} onChange=${(e) => setDay(e.target.value)}>
        ${[["daily", "Every day"], ["mon-fri", "Mon–Fri"], ["weekends", "Sat–Sun"], ...DAYS.map((d, i) => [d, DAY_LABEL[i]])].map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <label class="field">From<input type="time" value=${from} onInput=${(e) => setFrom(e.target.value)} required /></label>
      <label class="field">To<input type="time" value=${to} onInput=${(e) => setTo(e.target.value)} required /></label>
      <label class="field">Target °C<input type="number" step="0.5" min=${zone.frost_c ?? 5} max=${zone.max_c ?? 35} value=${target} onInput=${(e) => setTarget(e.target.value)} /></label>
      <button class="btn primary">Add</button>
    </div>
  </form>`;
}

const pick = (r) => ({ ...(r.name ? { name: r.name } : {}), target: r.target, scheduler: r.scheduler, params: r.params });

export function Schedule() {
  const [zoneId, setZoneId] = useState(null);
  const zone = state.zones.find((z) => z.id === zoneId) || state.zones[0];
  const [rules, setRules] = useState([]);
  const [plan, setPlan] = useState(null);
  const [selected, setSelected] = useState(null);
  const [now, setNow] = useState(zoneNow(zone?.timezone));
  async function load() {
    if (!zone) return;
    const z = encodeURIComponent(zone.id);
    const [s, p] = await Promise.all([attempt(get(`/v1/zones/${z}/schedules`)), attempt(get(`/v1/zones/${z}/plan?hours=24`))]);
    if (s) setRules(s.schedules || []);
    if (p) setPlan(p);
    setNow(zoneNow(zone.timezone));
  }
  useEffect(() => { load(); const t = setInterval(load, 60000); return () => clearInterval(t); }, [zone?.id]);
  if (!zone) return html`<p class="muted">No zones yet.</p>`;
  const blocks = blocksFor(rules);
  const z = encodeURIComponent(zone.id);
  async function create(day, minute) {
    const start = Math.min(minute, 1440 - 120);
    const target = zone.presets?.comfort ?? 21;
    const made = await attempt(post(`/v1/zones/${z}/schedules`, { target, scheduler: "weekly", params: { days: DAYS[day], from: toHHMM(start), to: toHHMM(start + 120) } }), `Added ${DAY_LABEL[day]} ${minutesText(start)}–${minutesText(start + 120)}`);
    if (made) setSelected(made.id);
    load();
  }
  async function moveBlock(block, start, end) {
    const r = block.rule;
    await attempt(put(`/v1/zones/${z}/schedules/${r.id}`, { ...pick(r), params: { ...r.params, from: toHHMM(start), to: end >= 1440 ? "00:00" : toHHMM(end) } }), `Moved to ${minutesText(start)}–${minutesText(end)}`);
    load();
  }
  const others = rules.filter((r) => r.scheduler !== "weekly");
  const sel = rules.find((r) => r.id === selected);
  return html`<div style="display:grid;gap:1rem">
    <${ZonePicker} value=${zone.id} onChange=${setZoneId} />
    <section class="card">
      <h2>Next 24 hours</h2>
      <${Plan} plan=${plan} zone=${zone} />
    </section>
    <section class="card">
      <div class="row"><h2 style="margin:0">Week</h2><span class="spacer"></span><span class="muted" style="font-size:.85rem">Tap an empty time to add · drag to move · drag the edge to resize</span></div>
      <div class="hours" style="margin-top:.75rem" aria-hidden="true"><span></span><div>${[0, 360, 720, 1080, 1440].map((m) => html`<span>${hourText(m)}</span>`)}</div></div>
      <div class="week">
        ${DAYS.map((_, d) => html`<${Track} key=${d} day=${d} isToday=${d === now.day} nowMin=${now.minute} zone=${zone}
          blocks=${blocks.filter((b) => b.day === d)} onCreate=${create} onMove=${moveBlock}
          selected=${selected} onSelect=${(b) => setSelected(b.rule.id)} />`)}
      </div>
      <p class="muted" style="font-size:.85rem">Outside the blocks: ${targetText(zone.default_target, zone)} (default). Times are in ${zone.timezone}.</p>
    </section>
    <${AddForm} zone=${zone} onAdd=${async (params, target) => {
      const made = await attempt(post(`/v1/zones/${z}/schedules`, { target, scheduler: "weekly", params }), `Added ${params.from}–${params.to}`);
      if (made) setSelected(made.id);
      load();
    }} />
    ${sel && sel.scheduler === "weekly" && html`<${Editor} key=${sel.id} rule=${sel} zone=${zone} onChange=${load} onClose=${() => setSelected(null)} />`}
    ${others.length > 0 && html`<section class="card"><h2>Other rules (read-only)</h2>
      <table><thead><tr><th>Rule</th><th>When</th><th>Target</th></tr></thead><tbody>
      ${others.map((r) => html`<tr><td>${r.name || r.scheduler}</td><td><code>${r.describe || JSON.stringify(r.params)}</code></td><td>${targetText(r.target, zone)}</td></tr>`)}
      </tbody></table></section>`}
  </div>`;
}
