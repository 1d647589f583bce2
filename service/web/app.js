// Policy Timeline: the page at "/". Plain JavaScript, no libraries but Chart.js for the
// charts (vendored, see charts.js), nothing fetched from anywhere but this server. It reads
// the public API (views, events), draws the timeline as SVG, and follows the live streams
// (Server-Sent Events) so that new events show at once.
// Everything from the API is put on the page as text (textContent), never as markup.

import { $ } from "./dom.js";
import { state, readUrl, updatePrintSummary } from "./state.js";
import { setupFilters } from "./filters.js";
import { setupAtRange, clampIso, showAt, setupValidDate } from "./valid-date.js";
import { showKnown, setupKnownAt } from "./known-at.js";
import { setupFunding } from "./funding.js";
import { reloadAll } from "./reload.js";
import { closeStreams } from "./live.js";
import { renderTimeline } from "./timeline-svg.js";
import { setupTimeline, setupLegend } from "./timeline-input.js";
import { setupViewTables } from "./views.js";
import { setupCharts } from "./charts.js";
import { setupCopyLink } from "./copy-link.js";
import { setupFeedLink } from "./feed-link.js";
import { setupScreen } from "./screen.js";

function start() {
  readUrl();
  $("material").value = state.materials.join(", ");
  $("unverified").checked = state.unverified;
  $("group-by").value = state.groupBy;
  setupLegend();
  setupFilters();
  setupValidDate();
  setupKnownAt();
  setupCopyLink();
  setupFeedLink();
  setupFunding();
  setupCharts();
  setupTimeline();
  setupAtRange();
  state.at = clampIso(state.at);
  showAt();
  showKnown();
  setupScreen();
  window.addEventListener("pagehide", closeStreams);
  window.addEventListener("beforeprint", () => {
    updatePrintSummary();
    renderTimeline();
  });
  setupViewTables();
  reloadAll();
}

start();
