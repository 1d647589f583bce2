import { $, showFill } from "./dom.js";
import { todayIso } from "./dates.js";
import { state } from "./state.js";
import { reloadSoon } from "./reload.js";

export function showKnown() {
  $("known-mode").value = state.known.mode;
  $("known-position-wrap").hidden = state.known.mode !== "position";
  $("known-date-wrap").hidden = state.known.mode !== "date";
  const slider = $("known-position");
  slider.max = String(Math.max(1, state.head));
  if (state.known.position) slider.value = String(state.known.position);
  showFill(slider);
  $("known-position-out").textContent = `#${slider.value} of ${state.head}`;
  slider.setAttribute("aria-valuetext", `log position ${slider.value} of ${state.head}`);
  if (state.known.date) $("known-date").value = state.known.date;
}

export function setupKnownAt() {
  $("known-mode").addEventListener("change", (event) => {
    const mode = event.target.value;
    if (mode === "position") state.known = { mode, position: state.known.position || state.head, date: null };
    else if (mode === "date") state.known = { mode, position: null, date: state.known.date || todayIso() };
    else state.known = { mode: "latest", position: null, date: null };
    showKnown();
    reloadSoon.now();
  });
  const knownPosition = $("known-position");
  knownPosition.addEventListener("input", () => {
    state.known.position = Number(knownPosition.value);
    showKnown();
    reloadSoon();
  });
  $("known-date").addEventListener("change", (event) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) return;
    state.known.date = event.target.value;
    reloadSoon();
  });
}
