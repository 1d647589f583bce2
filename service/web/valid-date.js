import { $, el, showFill, debounce } from "./dom.js";
import { DAY_MS, isoToMs, msToIso, todayIso, addMonths, longDate } from "./dates.js";
import { state, writeUrl } from "./state.js";
import { loadViewsSoon } from "./reload.js";
import { renderTimeline } from "./timeline-svg.js";
import { selectEvent } from "./event-detail.js";

// The open event's panel shows things on the valid date (its act's measures' statuses).
const refreshDetailsSoon = debounce(() => {
  if (state.selected) selectEvent(state.selected);
}, 300);

export function fitRangeToEvents() {
  const { first, last } = state.seen;
  if (!Number.isFinite(first)) return;
  const firstYear = new Date(first).getUTCFullYear();
  const lastYear = Math.max(new Date(last).getUTCFullYear() + 1, Number(todayIso().slice(0, 4)));
  state.range = { min: Date.UTC(Math.min(firstYear, 2023), 0, 1), max: Date.UTC(lastYear, 11, 31) };
  state.at = clampIso(state.at);
  setupAtRange();
}

function dayIndex(iso) {
  return Math.round((isoToMs(iso) - state.range.min) / DAY_MS);
}

export function setupAtRange() {
  const range = $("at-range");
  range.min = "0";
  range.max = String(Math.round((state.range.max - state.range.min) / DAY_MS));
  const dateInput = $("at-date");
  dateInput.min = msToIso(state.range.min);
  dateInput.max = msToIso(state.range.max);
  const years = $("at-years");
  const labels = [];
  const span = state.range.max - state.range.min;
  for (let y = new Date(state.range.min).getUTCFullYear(); y <= new Date(state.range.max).getUTCFullYear(); y += 1) {
    const frac = (Date.UTC(y, 0, 1) - state.range.min) / span;
    if (frac < 0 || frac > 0.97) continue;
    const label = el("span", { text: String(y) });
    label.style.left = `calc(8px + (100% - 16px) * ${frac.toFixed(5)})`;
    labels.push(label);
  }
  years.replaceChildren(...labels);
  showAt();
}

export function clampIso(iso) {
  const t = Math.min(Math.max(isoToMs(iso), state.range.min), state.range.max);
  return msToIso(t);
}

export function showAt() {
  const range = $("at-range");
  range.value = String(dayIndex(state.at));
  showFill(range);
  range.setAttribute("aria-valuetext", longDate(state.at));
  $("at-date").value = state.at;
}

export function setAt(iso, { now = false } = {}) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return;
  iso = clampIso(iso);
  if (iso === state.at && !now) {
    showAt();
    return;
  }
  state.at = iso;
  showAt();
  writeUrl();
  renderTimeline();
  if (now) loadViewsSoon.now();
  else loadViewsSoon();
  refreshDetailsSoon();
  document.dispatchEvent(new Event("valid-date-change")); // for forms that follow the date
}

export function setupValidDate() {
  const range = $("at-range");
  range.addEventListener("input", () => setAt(msToIso(state.range.min + Number(range.value) * DAY_MS)));
  range.addEventListener("keydown", (event) => {
    if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      setAt(addMonths(state.at, event.key === "PageUp" ? 1 : -1));
    }
  });
  $("at-date").addEventListener("change", (event) => setAt(event.target.value, { now: true }));
  $("at-prev").addEventListener("click", () => setAt(addMonths(state.at, -1)));
  $("at-next").addEventListener("click", () => setAt(addMonths(state.at, 1)));
  $("at-today").addEventListener("click", () => setAt(todayIso(), { now: true }));
}
