import { $, el } from "./dom.js";
import { stamp } from "./dates.js";
import { kindOf, typeLabel, kindSwatch } from "./kinds.js";
import { state, pinned } from "./state.js";
import { queryString, filterParams } from "./api.js";
import { remember } from "./timeline-read.js";
import { fillFilterOptions } from "./filters.js";
import { fitRangeToEvents } from "./valid-date.js";
import { showKnown } from "./known-at.js";
import { loadViewsSoon, reloadSoon } from "./reload.js";
import { renderTimeline, markerFor } from "./timeline-svg.js";
import { selectEvent } from "./event-detail.js";

const FEED_MAX = 12;

let streams = [];
let lastStreamId = null;
let reopenTimer = null;
export function closeStreams() {
  clearTimeout(reopenTimer);
  for (const source of streams) source.close();
  streams = [];
}

export function setLive(kind, text) {
  const live = $("live");
  live.dataset.state = kind;
  $("live-text").textContent = text;
}

export function liveText() {
  if (pinned()) {
    return state.notShown
      ? `Live · ${state.notShown} newer event${state.notShown === 1 ? "" : "s"} not shown (known at is set)`
      : "Live · known at is set";
  }
  return `Live · log position ${state.head}`;
}

export function openStreams(after) {
  closeStreams();
  lastStreamId = String(after);
  const filters = filterParams();
  const timeline = new EventSource(`/views/timeline/stream?${queryString({ ...filters, after })}`);
  for (const kind of ["added", "removed", "changed"]) {
    timeline.addEventListener(kind, (message) => onTimelineMessage(message));
  }
  timeline.addEventListener("overflow", (message) => {
    lastStreamId = message.lastEventId || lastStreamId;
  });
  timeline.onopen = () => setLive("live", liveText());
  timeline.onerror = () => {
    if (timeline.readyState === EventSource.CLOSED) {
      // The server refused the stream (it is restarting, or behind): try again shortly.
      setLive("down", "Reconnecting…");
      clearTimeout(reopenTimer);
      reopenTimer = setTimeout(() => openStreams(lastStreamId || state.readPosition), 3000);
    } else {
      setLive("down", "Reconnecting…");
    }
  };
  // Controls change with the date too (a control comes into force, a suspension runs out):
  // the export-control stream says so with a "transition", which the timeline cannot.
  const controls = new EventSource(
    `/views/active-export-controls/stream?${queryString({ ...filters, after })}`,
  );
  for (const kind of ["added", "removed", "changed", "transition"]) {
    controls.addEventListener(kind, (message) => {
      const data = parseData(message);
      if (data && !pinned()) loadViewsSoon(data.position);
    });
  }
  streams = [timeline, controls];
}

function parseData(message) {
  try {
    return JSON.parse(message.data);
  } catch {
    return null;
  }
}

function onTimelineMessage(message) {
  const data = parseData(message);
  if (!data) return;
  lastStreamId = message.lastEventId || lastStreamId;
  state.head = Math.max(state.head, data.position || 0);
  if (pinned()) {
    state.notShown += 1;
    setLive("live", liveText());
    showKnown();
    return;
  }
  if (state.q) {
    // The stream cannot search: the timeline narrowed by words is read again instead.
    reloadSoon();
    return;
  }
  for (const change of data.items || []) {
    const item = change.item;
    if (!item || !item.event_id) continue;
    if (change.change === "removed") {
      state.events.delete(item.event_id);
      continue;
    }
    const isNew = !state.events.has(item.event_id);
    state.events.set(item.event_id, item);
    remember(item);
    if (isNew) {
      state.fresh.add(item.event_id);
      addToFeed(item, data.event);
      setTimeout(() => {
        state.fresh.delete(item.event_id);
        const mark = markerFor(item.event_id);
        if (mark) mark.classList.remove("fresh");
      }, 8000);
    }
  }
  state.readPosition = Math.max(state.readPosition, data.position || 0);
  if (state.seen.first < state.range.min || state.seen.last > state.range.max) fitRangeToEvents();
  fillFilterOptions();
  renderTimeline();
  setLive("live", liveText());
  showKnown();
  if (state.selected && (data.items || []).some((c) => c.item && c.item.event_id === state.selected)) {
    selectEvent(state.selected);
  }
  loadViewsSoon(data.position);
}

function addToFeed(item, logged) {
  const feed = $("feed");
  const open = el("button", { type: "button", class: "linkish", text: item.title, "data-event-id": item.event_id });
  open.addEventListener("click", () => selectEvent(item.event_id, { focusPanel: true, reveal: true }));
  const by = logged && logged.recorded_by ? ` · by ${logged.recorded_by}` : "";
  const when = logged && logged.recorded_at ? stamp(logged.recorded_at) : "";
  feed.prepend(
    el("li", { class: `k-${kindOf(item.type)}` },
      kindSwatch(kindOf(item.type), 12),
      el("span", { class: "feed-meta", text: `${item.announced_on} · ${item.jurisdiction} · ${typeLabel(item.type)}` }),
      open,
      el("small", { text: `recorded ${when}${by}` })),
  );
  while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
  $("feed-empty").hidden = true;
}
