import { $, debounce } from "./dom.js";
import { isoToMs, todayIso, longDate } from "./dates.js";

export const state = {
  at: todayIso(),
  known: { mode: "latest", position: null, date: null },
  materials: [],
  jurisdiction: "",
  q: "", // the timeline's search words (the other views take none)
  unverified: false,
  groupBy: "agency",
  fundingAll: false,
  hiddenKinds: new Set(),
  events: new Map(), // event_id -> timeline item
  fresh: new Set(), // event ids that arrived live, highlighted for a while
  readPosition: 0, // the log position the timeline read reflects
  head: 0, // the newest log position this page has heard of
  notShown: 0, // events recorded since a pinned "known at"
  selected: null,
  focusId: null,
  seen: { first: Infinity, last: -Infinity },
  seenJurisdictions: new Set(),
  allJurisdictions: new Set(), // every jurisdiction with a policy, whatever the filters
  seenMaterials: new Set(),
  range: { min: isoToMs("2020-01-01"), max: isoToMs(`${Math.max(2026, Number(todayIso().slice(0, 4)))}-12-31`) },
  domain: null, // [ms, ms] shown on the timeline
  fitted: true, // the timeline shows everything (until the reader zooms or pans)
  lastControls: null, // policy_id -> status of the table shown before
};

export function readUrl() {
  const params = new URLSearchParams(location.search);
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get("at") || "")) state.at = params.get("at");
  const known = params.get("known_at") || "";
  const byPosition = /^position=(\d+)$/.exec(known);
  if (byPosition) state.known = { mode: "position", position: Number(byPosition[1]), date: null };
  else if (/^\d{4}-\d{2}-\d{2}$/.test(known)) state.known = { mode: "date", position: null, date: known };
  state.materials = params.getAll("material").filter(Boolean);
  state.jurisdiction = params.get("jurisdiction") || "";
  state.q = (params.get("q") || "").trim().slice(0, 200);
  state.unverified = params.get("min_confidence") === "unverified";
  const groupBy = params.get("group_by");
  if (groupBy && [...$("group-by").options].some((o) => o.value === groupBy)) state.groupBy = groupBy;
}

// The address keeps the page's state (date, record time, filters), so a view can be shared;
// written at most every 300 ms, since browsers throttle frequent history changes.
export const writeUrl = debounce(() => writeUrlNow(), 300);
function writeUrlNow() {
  history.replaceState(null, "", `${location.pathname}?${pageParams(knownAtParam())}`);
  updatePrintSummary();
}

// The page's state as the parameters of its address, with ``known`` as its record time.
export function pageParams(known) {
  const params = new URLSearchParams();
  params.set("at", state.at);
  if (known) params.set("known_at", known);
  for (const m of state.materials) params.append("material", m);
  if (state.jurisdiction) params.set("jurisdiction", state.jurisdiction);
  if (state.q) params.set("q", state.q);
  if (state.unverified) params.set("min_confidence", "unverified");
  if (state.groupBy !== "agency") params.set("group_by", state.groupBy);
  return params;
}

export function knownAtParam() {
  if (state.known.mode === "position" && state.known.position) return `position=${state.known.position}`;
  if (state.known.mode === "date" && state.known.date) return state.known.date;
  return null;
}

export function pinned() {
  return knownAtParam() !== null;
}

export function updatePrintSummary() {
  const known = state.known.mode === "latest"
    ? `latest record (log position ${state.readPosition || state.head})`
    : state.known.mode === "position" ? `log position ${state.known.position}` : `end of ${state.known.date} (UTC)`;
  const filters = [
    state.materials.length ? `material ${state.materials.join(", ")}` : null,
    state.jurisdiction ? `jurisdiction ${state.jurisdiction}` : null,
    state.q ? `timeline search “${state.q}”` : null,
    state.unverified ? "unverified events included" : null,
  ].filter(Boolean);
  $("print-summary").textContent = `Valid date ${longDate(state.at)} · known at ${known}${filters.length ? ` · ${filters.join(" · ")}` : ""}`;
}
