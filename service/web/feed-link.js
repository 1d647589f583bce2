// "Atom feed": the timeline's latest changes (GET /views/timeline/feed.atom) with the filters
// the page shows (materials, jurisdiction, unverified), kept in step as they change. The
// feed takes the view's filters only: the search words narrow the page, not the feed.
import { $ } from "./dom.js";
import { state } from "./state.js";

export function feedHref() {
  const params = new URLSearchParams();
  for (const m of state.materials) params.append("material", m);
  if (state.jurisdiction) params.set("jurisdiction", state.jurisdiction);
  if (state.unverified) params.set("min_confidence", "unverified");
  const query = params.toString();
  return `/views/timeline/feed.atom${query ? `?${query}` : ""}`;
}

function showFeedLink() {
  $("feed-link").href = feedHref();
}

export function setupFeedLink() {
  showFeedLink();
  // The filters' handlers sit on the controls and set the state as the event reaches them;
  // the toolbar hears the event after (it bubbles), and reads the state once they are done.
  for (const type of ["change", "submit"]) {
    $("toolbar").addEventListener(type, () => queueMicrotask(showFeedLink));
  }
}
