import { debounce } from "./dom.js";
import { state, writeUrl, updatePrintSummary } from "./state.js";
import { getJson, showAlert } from "./api.js";
import { loadTimeline } from "./timeline-read.js";
import { loadJurisdictions, fillFilterOptions } from "./filters.js";
import { showKnown } from "./known-at.js";
import { loadControls } from "./controls.js";
import { loadFunding } from "./funding.js";
import { loadGoals } from "./goals.js";
import { setLive, liveText, openStreams } from "./live.js";
import { fitDomain, renderTimeline } from "./timeline-svg.js";
import { selectEvent } from "./event-detail.js";
import { loadViewTables } from "./views.js";
import { loadCharts } from "./charts.js";

async function loadViews(minPosition) {
  try {
    await Promise.all([loadControls(minPosition), loadFunding(minPosition), loadGoals(minPosition), loadViewTables(minPosition), loadCharts(minPosition)]);
    showAlert("");
  } catch (error) {
    showAlert(`Could not read the views: ${error.message}`);
  }
}

export const loadViewsSoon = debounce((minPosition) => loadViews(minPosition), 120);

// Reading everything again: a filter or the record time changed.
let reloadSeq = 0;
export async function reloadAll() {
  const seq = ++reloadSeq;
  writeUrl();
  try {
    const [ok, info] = await Promise.all([loadTimeline(), getJson("/views"), loadJurisdictions()]);
    state.head = Math.max(state.head, info.log_position || 0);
    if (!ok || seq !== reloadSeq) return;
    state.notShown = 0;
    if (!state.domain) state.domain = fitDomain();
    fillFilterOptions();
    showKnown();
    renderTimeline();
    await loadViews();
    openStreams(state.readPosition);
    setLive("live", liveText());
    if (state.selected) selectEvent(state.selected);
    updatePrintSummary();
    document.body.dataset.ready = "true";
  } catch (error) {
    showAlert(`Could not read the timeline: ${error.message}`);
    setLive("down", "Not connected");
  }
}

export const reloadSoon = debounce(() => reloadAll(), 200);
