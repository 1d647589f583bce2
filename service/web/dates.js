// Dates are all UTC days.

export const DAY_MS = 86400000;

export function isoToMs(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

export function msToIso(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function todayIso() {
  return new Date().toISOString().slice(0, 10);
}

export function addMonths(iso, n) {
  const [y, m, d] = iso.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return msToIso(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
}

const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
});
const SHORT_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
});
export const MONTH = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: "UTC" });
export function longDate(iso) {
  return LONG_DATE.format(new Date(isoToMs(iso)));
}

export function shortDate(iso) {
  return SHORT_DATE.format(new Date(isoToMs(iso)));
}

export function stamp(isoDateTime) {
  // "2026-11-28T18:15:25.920032Z" -> "2026-11-28 18:15 UTC"
  if (!isoDateTime) return "";
  const d = new Date(isoDateTime);
  if (Number.isNaN(d.getTime())) return String(isoDateTime);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}
