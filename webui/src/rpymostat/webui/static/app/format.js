// Numbers, units, times and the rule in force in words.
const UNIT_KEY = "rpymostat.units";

export function units() { return localStorage.getItem(UNIT_KEY) === "F" ? "F" : "C"; }
export function setUnits(u) { localStorage.setItem(UNIT_KEY, u); }

export function temp(c, digits = 1) {
  if (c === null || c === undefined || Number.isNaN(c)) return "–";
  const v = units() === "F" ? c * 9 / 5 + 32 : c;
  return v.toFixed(digits);
}
export const deg = () => (units() === "F" ? "°F" : "°C");
export const withUnit = (c, digits = 1) => (c === null || c === undefined ? "–" : `${temp(c, digits)} ${deg()}`);

// One time format everywhere (header, wall, plan, chart, runtime bars, logs): the browser's
// locale decides 12 or 24 h ("18:40" in en-GB, "6:40 PM" in en-US).
const TIME = { hour: "numeric", minute: "2-digit" };
export function timeOf(date, timeZone) {
  const opts = timeZone ? { ...TIME, timeZone } : TIME;
  try { return new Date(date).toLocaleTimeString(undefined, opts); } catch { return new Date(date).toLocaleTimeString(undefined, TIME); }
}
// A time of day given in minutes after midnight (schedule blocks), in the same format.
export const minutesText = (min) => timeOf(Date.UTC(2000, 0, 1, 0, ((min % 1440) + 1440) % 1440), "UTC");
// An hour mark on a narrow axis ("6 AM" or "06"), the same locale rule.
export const hourText = (min) => new Date(Date.UTC(2000, 0, 1, 0, min % 1440)).toLocaleTimeString(undefined, { hour: "numeric", timeZone: "UTC" });
export function dayOf(date, timeZone) {
  const opts = { weekday: "short", month: "short", day: "numeric", ...(timeZone ? { timeZone } : {}) };
  try { return new Date(date).toLocaleDateString(undefined, opts); } catch { return new Date(date).toLocaleDateString(); }
}

export function clockText(iso, timeZone) {
  if (!iso) return "";
  const d = new Date(iso);
  const opts = { ...TIME };
  if (timeZone) opts.timeZone = timeZone;
  const away = Math.abs(d - new Date());
  if (away >= 20 * 3600e3) opts.weekday = "short";
  if (away >= 6 * 86400e3) { opts.day = "numeric"; opts.month = "short"; }
  try { return d.toLocaleString(undefined, opts); } catch { return d.toLocaleString(); }
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return "never";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return null;
  if (seconds < 60) return "under a minute";
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const KIND_WORDS = {
  default: "Default temperature",
  schedule: "Schedule",
  "dated-schedule": "Schedule",
  override: "Override",
  adjustment: "Hold",
};

export function ruleWords(rule, timeZone) {
  if (!rule) return "";
  const kind = KIND_WORDS[rule.kind] || rule.kind;
  const name = rule.name && rule.kind !== "adjustment" && rule.kind !== "default" ? ` “${rule.name}”` : "";
  const until = rule.until ? ` until ${clockText(rule.until, timeZone)}` : "";
  return `${kind}${name}${until}`;
}

export function zoneState(zone) {
  const s = zone?.state || {};
  const d = s.decision || {};
  if (zone?.mode === "off") return { key: "off", words: "Off" };
  if (d.safe_mode) return { key: "safe", words: "Safe mode" };
  if (/frost/i.test(d.reason || "")) return { key: "heating", words: "Frost protection" };
  if (d.state === "heating") return { key: "heating", words: "Heating" };
  if (d.state === "cooling") return { key: "cooling", words: "Cooling" };
  if (d.state) return { key: "idle", words: "Idle" };
  return { key: "unknown", words: "Waiting for data" };
}

export function targetOf(zone) {
  const d = zone?.state?.decision;
  if (d && typeof d.target === "number") return d.target;
  const t = zone?.state?.time_to_target?.setpoint;
  return typeof t === "number" ? t : null;
}
