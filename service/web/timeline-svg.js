import { $, svg } from "./dom.js";
import { jurisdictionName } from "./names.js";
import { DAY_MS, isoToMs, msToIso, MONTH, shortDate } from "./dates.js";
import { KIND_BY_KEY, SHAPES, kindOf, typeLabel } from "./kinds.js";
import { state } from "./state.js";

// The band above the lanes has two rows: the tick labels, then the valid-date label, so the
// two never overlap whatever the date and the zoom.
const LAYOUT = { left: 150, right: 18, top: 42, bottom: 10, row: 16, pad: 8, minGap: 15, minLane: 58 };
const TICK_BASELINE = 14;
const AT_PILL = { top: LAYOUT.top - 20, height: 16, padding: 8 };

export let geometry = null; // what the last render drew: scales and marker positions

function visibleEvents() {
  return [...state.events.values()].filter((e) => !state.hiddenKinds.has(kindOf(e.type)));
}

// The whole timeline: every event and the valid date, so neither falls off either end.
export function fitDomain() {
  const all = [...state.events.values()].map((e) => isoToMs(e.announced_on));
  if (!all.length) return [state.range.min, state.range.max];
  all.push(isoToMs(state.at));
  const first = Math.min(...all);
  const last = Math.max(...all);
  const margin = Math.max(45 * DAY_MS, (last - first) * 0.03);
  return [first - margin, last + margin];
}

function laneOrder(events) {
  const counts = new Map();
  for (const e of events) counts.set(e.jurisdiction, (counts.get(e.jurisdiction) || 0) + 1);
  // An empty lane for the chosen jurisdiction too, when nothing is recorded for it yet.
  for (const code of [...state.seenJurisdictions, state.jurisdiction].filter(Boolean)) {
    if (!counts.has(code) && (!state.jurisdiction || state.jurisdiction === code)) counts.set(code, 0);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code]) => code);
}

function monthTicks(d0, d1, plotWidth) {
  const span = d1 - d0;
  const steps = [1, 2, 3, 6, 12, 24, 60];
  const pxPerMonth = plotWidth / (span / (30.44 * DAY_MS));
  const step = steps.find((s) => s * pxPerMonth >= 58) || 60;
  const start = new Date(d0);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  m = Math.ceil(m / Math.min(step, 12)) * Math.min(step, 12);
  const ticks = [];
  for (let i = 0; i < 400; i += 1) {
    const t = Date.UTC(y, m, 1);
    if (t > d1) break;
    const date = new Date(t);
    if (t >= d0 && (step < 12 || date.getUTCMonth() === 0) && (step <= 12 || date.getUTCFullYear() % (step / 12) === 0)) {
      ticks.push({ t, year: date.getUTCMonth() === 0, label: date.getUTCMonth() === 0 ? String(date.getUTCFullYear()) : MONTH.format(date) });
    }
    m += Math.min(step, 12);
  }
  return { ticks, step };
}

export function renderTimeline() {
  const box = $("timeline-box");
  const root = $("timeline");
  const width = Math.max(480, box.clientWidth);
  // Until the reader zooms or pans, the axis follows what there is to show: events posted
  // live and a valid date moved beyond the events stay on it.
  if (state.fitted || !state.domain) state.domain = fitDomain();
  const [d0, d1] = state.domain;
  const plotLeft = LAYOUT.left;
  const plotRight = width - LAYOUT.right;
  const plotWidth = plotRight - plotLeft;
  const x = (t) => plotLeft + ((t - d0) / (d1 - d0)) * plotWidth;
  const events = visibleEvents().sort(
    (a, b) => a.announced_on.localeCompare(b.announced_on) || (a.position || 0) - (b.position || 0),
  );
  const lanes = laneOrder(visibleEvents().length ? events : [...state.events.values()]);
  // Stack events that would overlap in a lane into rows, greedily, at this zoom.
  const placed = [];
  const laneRows = new Map(lanes.map((code) => [code, []]));
  for (const e of events) {
    const ends = laneRows.get(e.jurisdiction);
    if (!ends) continue;
    const px = x(isoToMs(e.announced_on));
    let row = ends.findIndex((end) => end <= px - LAYOUT.minGap);
    if (row === -1) {
      row = ends.length;
      ends.push(px);
    } else ends[row] = px;
    placed.push({ e, px, row });
  }
  let y = LAYOUT.top;
  const laneBoxes = new Map();
  for (const code of lanes) {
    const rows = Math.max(1, laneRows.get(code).length);
    const height = Math.max(LAYOUT.minLane, rows * LAYOUT.row + LAYOUT.pad * 2);
    laneBoxes.set(code, { y, height });
    y += height;
  }
  const height = y + LAYOUT.bottom;
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  root.setAttribute("width", "100%");
  root.setAttribute("height", String(height));
  root.setAttribute("preserveAspectRatio", "xMinYMin meet");

  const clipId = "timeline-clip";
  const defs = svg("defs", {}, svg("clipPath", { id: clipId }, svg("rect", { x: plotLeft - 9, y: 0, width: plotWidth + 18, height })));
  const back = svg("g", { class: "lanes" });
  lanes.forEach((code, i) => {
    const lane = laneBoxes.get(code);
    back.append(svg("rect", { class: i % 2 ? "lane odd" : "lane", x: 0, y: lane.y, width, height: lane.height }));
    const label = svg("text", { class: "lane-code", x: 12, y: lane.y + lane.height / 2 - 2 });
    label.textContent = code;
    const name = svg("text", { class: "lane-name", x: 12, y: lane.y + lane.height / 2 + 12 });
    name.textContent = jurisdictionName(code);
    const n = placed.filter((p) => p.e.jurisdiction === code).length;
    const count = svg("text", { class: "lane-count", x: 12, y: lane.y + lane.height / 2 + 25 });
    count.textContent = `${n} event${n === 1 ? "" : "s"}`;
    back.append(label, name, count);
  });
  const { ticks } = monthTicks(d0, d1, plotWidth);
  const axis = svg("g", { class: "axis" });
  axis.append(svg("rect", { class: "ruler", x: plotLeft, y: 0, width: plotWidth, height: LAYOUT.top - 4 }));
  const corner = svg("text", { class: "corner", x: 12, y: LAYOUT.top - 8 });
  corner.textContent = "Jurisdiction";
  axis.append(corner);
  for (const tick of ticks) {
    const tx = x(tick.t);
    axis.append(svg("line", { class: tick.year ? "grid year" : "grid", x1: tx, x2: tx, y1: TICK_BASELINE - 10, y2: height - LAYOUT.bottom }));
    const text = svg("text", { class: tick.year ? "tick year" : "tick", x: tx + 4, y: TICK_BASELINE });
    text.textContent = tick.label;
    axis.append(text);
  }
  const at = isoToMs(state.at);
  const cursor = svg("g", { class: "at-cursor", "clip-path": `url(#${clipId})` });
  let atMarker = null;
  if (at >= d0 && at <= d1) {
    const ax = x(at);
    cursor.append(svg("rect", { class: "past", x: plotLeft, y: LAYOUT.top, width: Math.max(0, ax - plotLeft), height: height - LAYOUT.top - LAYOUT.bottom }));
    cursor.append(svg("line", { class: "at-line", x1: ax, x2: ax, y1: AT_PILL.top, y2: height - LAYOUT.bottom }));
    const label = svg("text", { class: "at-label", x: ax, y: AT_PILL.top + AT_PILL.height - 4, "text-anchor": "middle" });
    label.textContent = shortDate(state.at);
    const pill = svg("rect", { class: "at-pill", x: ax - 40, y: AT_PILL.top, width: 80, height: AT_PILL.height, rx: AT_PILL.height / 2 });
    cursor.append(pill, label);
    atMarker = { ax, label, pill };
  }
  const marks = svg("g", { class: "marks", "clip-path": `url(#${clipId})` });
  const positions = new Map();
  for (const { e, px, row } of placed) {
    const lane = laneBoxes.get(e.jurisdiction);
    const rows = Math.max(1, laneRows.get(e.jurisdiction).length);
    const py = lane.y + (lane.height - rows * LAYOUT.row) / 2 + LAYOUT.row / 2 + row * LAYOUT.row;
    const kind = kindOf(e.type);
    const classes = ["ev", `k-${kind}`];
    if (e.announced_on > state.at) classes.push("future");
    if (e.confidence && e.confidence !== "confirmed") classes.push(`c-${e.confidence}`);
    if (state.fresh.has(e.event_id)) classes.push("fresh");
    if (state.selected === e.event_id) classes.push("selected");
    const inView = px >= plotLeft - 8 && px <= plotRight + 8;
    const mark = svg("g", {
      class: classes.join(" "),
      transform: `translate(${px.toFixed(1)},${py.toFixed(1)})`,
      tabindex: inView ? "-1" : null,
      role: "button",
      "aria-label": `${e.announced_on}, ${jurisdictionName(e.jurisdiction)}, ${KIND_BY_KEY[kind].label}: ${e.title}`,
      "data-event-id": e.event_id,
      "data-policy-id": e.policy_id,
      "data-kind": kind,
    });
    if (!inView) mark.setAttribute("aria-hidden", "true");
    const title = svg("title");
    title.textContent = `${e.announced_on} · ${e.jurisdiction} · ${typeLabel(e.type)}\n${e.title}${e.original_title ? `\n${e.original_title}` : ""}`;
    mark.append(title, svg("circle", { class: "halo", r: 11 }), svg("path", { class: "mark", d: SHAPES[KIND_BY_KEY[kind].shape] }));
    marks.append(mark);
    positions.set(e.event_id, { px, py, lane: e.jurisdiction, inView });
  }
  const hadFocus = document.activeElement && root.contains(document.activeElement)
    ? document.activeElement.getAttribute("data-event-id") : null;
  root.replaceChildren(defs, back, axis, cursor, marks);
  if (atMarker) fitAtPill(atMarker, plotLeft, plotRight);
  root.setAttribute("aria-label", `Timeline of ${placed.length} events in ${lanes.length} jurisdictions, ${shortDate(msToIso(d0))} to ${shortDate(msToIso(d1))}`);
  geometry = { x, d0, d1, plotLeft, plotRight, plotWidth, positions, order: placed.map((p) => p.e.event_id), lanes };
  // Roving focus: one event is in the tab order; the arrow keys move between them.
  const candidates = placed.filter((p) => positions.get(p.e.event_id).inView);
  if (!state.focusId || !positions.has(state.focusId) || !positions.get(state.focusId).inView) {
    const nearest = candidates.reduce((best, p) => {
      const d = Math.abs(isoToMs(p.e.announced_on) - at);
      return !best || d < best.d ? { id: p.e.event_id, d } : best;
    }, null);
    state.focusId = nearest ? nearest.id : null;
  }
  const focusMark = state.focusId ? markerFor(state.focusId) : null;
  if (focusMark) focusMark.setAttribute("tabindex", "0");
  if (hadFocus) {
    const again = markerFor(hadFocus) || focusMark;
    if (again) again.focus({ preventScroll: true });
  }
}

// The pill fits its date (measured once drawn) and stays whole inside the plot, near the ends
// too, rather than being cut by the clip.
function fitAtPill({ ax, label, pill }, plotLeft, plotRight) {
  const measured = label.getComputedTextLength();
  const width = measured ? Math.ceil(measured) + 2 * AT_PILL.padding : 80;
  const left = Math.min(Math.max(ax - width / 2, plotLeft), plotRight - width);
  pill.setAttribute("x", left.toFixed(1));
  pill.setAttribute("width", String(width));
  label.setAttribute("x", (left + width / 2).toFixed(1));
}

export function markerFor(eventId) {
  if (!eventId) return null;
  return $("timeline").querySelector(`g.ev[data-event-id="${CSS.escape(eventId)}"]`);
}
