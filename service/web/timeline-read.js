import { isoToMs } from "./dates.js";
import { state, knownAtParam } from "./state.js";
import { PAGE_LIMIT, filterParams, getJson } from "./api.js";
import { fitRangeToEvents } from "./valid-date.js";

const MAX_TIMELINE_PAGES = 50;

let timelineSeq = 0;
export async function loadTimeline() {
  const seq = ++timelineSeq;
  const items = new Map();
  let after = "";
  let position = 0;
  for (let page = 0; page < MAX_TIMELINE_PAGES; page += 1) {
    const body = await getJson("/views/timeline", {
      ...filterParams(),
      q: state.q || null,
      known_at: knownAtParam(),
      limit: PAGE_LIMIT,
      after,
    });
    position = body.position;
    for (const item of body.items) items.set(item.event_id, item);
    if (!body.next_after) break;
    after = body.next_after;
  }
  if (seq !== timelineSeq) return false; // a newer read has started
  state.events = items;
  state.readPosition = position;
  state.head = Math.max(state.head, position);
  for (const item of items.values()) remember(item);
  fitRangeToEvents();
  return true;
}

export function remember(item) {
  // The date slider spans every event seen, whatever the filters: it never shrinks.
  const t = isoToMs(item.announced_on);
  state.seen.first = Math.min(state.seen.first, t);
  state.seen.last = Math.max(state.seen.last, t);
  state.seenJurisdictions.add(item.jurisdiction);
  for (const m of item.materials || []) state.seenMaterials.add(m);
}
