import { $, el } from "./dom.js";
import { longDate } from "./dates.js";
import { state, knownAtParam } from "./state.js";
import { PAGE_LIMIT, filterParams, getJson } from "./api.js";
import { selectEvent } from "./event-detail.js";
import { originalTitle } from "./original-text.js";

let controlsSeq = 0;

export async function loadControls(minPosition) {
  const seq = ++controlsSeq;
  const at = state.at;
  const body = await getJson("/views/active-export-controls", {
    ...filterParams(),
    at,
    known_at: knownAtParam(),
    min_position: minPosition,
    limit: PAGE_LIMIT,
  });
  if (seq !== controlsSeq) return;
  renderControls(body, at);
}

const STATUS_ORDER = { in_force: 0, suspended: 1, pending: 2, lifted: 3, expired: 4 };
const STATUS_LABEL = {
  in_force: "In force", suspended: "Suspended", pending: "Pending", lifted: "Lifted", expired: "Expired",
};

export const MEASURE_LABEL = {
  licence_required: "licence required", ban: "ban", extraterritorial: "extraterritorial",
};

// A control's entry carries its imposing event's original title (as corrected), if any.
function originalOf(item) {
  return item.original_title ? item : null;
}

function renderControls(body, at) {
  const items = [...body.items].sort(
    (a, b) =>
      (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) ||
      String(b.effective_from || "").localeCompare(String(a.effective_from || "")) ||
      a.policy_id.localeCompare(b.policy_id),
  );
  const before = state.lastControls;
  const now = new Map(items.map((i) => [i.policy_id, i.status]));
  const rows = items.map((item) => {
    const status = el("span", { class: `badge s-${item.status}`, text: STATUS_LABEL[item.status] || item.status });
    const statusCell = el("td", { class: "status" }, status);
    if (item.status === "suspended") {
      statusCell.append(el("small", { text: item.suspended_until ? `until ${item.suspended_until}` : "until further notice" }));
    } else if (item.status === "pending" && item.effective_from) {
      statusCell.append(el("small", { text: `from ${item.effective_from}` }));
    }
    const open = el("button", {
      type: "button",
      class: "linkish title",
      text: item.title,
      title: item.title,
      "data-event-id": (item.event_ids || [])[0] || "",
    });
    open.addEventListener("click", () => selectEvent(open.dataset.eventId, { focusPanel: true }));
    const control = el("td", { class: "control" }, open, originalTitle(originalOf(item)), item.instrument ? el("small", { text: item.instrument }) : null);
    const by = el("td", { class: "by" }, el("strong", { text: item.jurisdiction }), el("small", { text: item.agency || "" }));
    const mats = el("td", { class: "mats" }, ...(item.materials || []).map((m) => el("span", { class: "chip", text: m })));
    const measure = el("td", { text: MEASURE_LABEL[item.measure] || item.measure || "" });
    if (item.de_minimis_percent !== null && item.de_minimis_percent !== undefined) {
      measure.append(el("small", { text: `de minimis ${item.de_minimis_percent}%` }));
    }
    const targets = el("td", { class: "targets", text: (item.targets || []).join(", ") || "any" });
    const from = el("td", { class: "date", text: item.effective_from || "" });
    if (item.effective_until) from.append(el("small", { text: `until ${item.effective_until}` }));
    const row = el("tr", { "data-policy-id": item.policy_id, "data-status": item.status }, statusCell, control, by, mats, measure, targets, from);
    if (before && !before.has(item.policy_id)) row.classList.add("arrived");
    else if (before && before.get(item.policy_id) !== item.status) row.classList.add("changed");
    if (item.confidence && item.confidence !== "confirmed") row.classList.add(`c-${item.confidence}`);
    return row;
  });
  const tbody = $("controls").tBodies[0];
  tbody.replaceChildren(...rows);
  if (!rows.length) {
    tbody.append(el("tr", {}, el("td", { colSpan: 7, class: "empty", text: "No export control binds on this date with these filters." })));
  }
  state.lastControls = now;
  const counts = {};
  for (const item of items) counts[item.status] = (counts[item.status] || 0) + 1;
  const parts = ["in_force", "suspended", "pending"].filter((s) => counts[s]).map((s) => `${counts[s]} ${STATUS_LABEL[s].toLowerCase()}`);
  $("controls-summary").textContent = `on ${longDate(at)}: ${items.length} control${items.length === 1 ? "" : "s"}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  const section = $("controls-section");
  section.dataset.at = at;
  section.dataset.position = body.position;
}
