// Views with no hand-written section on the page get a plain table each, from the server's
// description of its views (/page/views.json): a new view shows here without a change to the
// page. The bespoke views keep their own sections.

import { $, el } from "./dom.js";
import { shortDate } from "./dates.js";
import { state, knownAtParam } from "./state.js";
import { PAGE_LIMIT, getJson, showAlert } from "./api.js";

let tables = []; // the views described, with no section of their own
let asked = false; // the views have been read already, maybe before the description came
const tableSeq = new Map(); // view name -> number of its newest read

export async function setupViewTables() {
  let description;
  try {
    description = await getJson("/page/views.json");
  } catch {
    return; // a server without the description (or an older one): the page as it was
  }
  const views = Array.isArray(description && description.views) ? description.views : [];
  tables = views
    .filter((view) => view && view.bespoke === false && typeof view.name === "string" && view.name)
    .map((view) => ({
      ...view,
      columns: (Array.isArray(view.columns) ? view.columns : []).filter((c) => c && typeof c.field === "string"),
      filters: Array.isArray(view.filters) ? view.filters : [],
    }));
  let after = $("goals-section");
  for (const view of tables) {
    const section = viewSection(view);
    after.after(section);
    after = section;
  }
  // The first read of the views may have gone by without these tables: read them now.
  if (asked && tables.length) {
    loadViewTables().catch((error) => showAlert(`Could not read the views: ${error.message}`));
  }
}

function viewSection(view) {
  const id = `view-${view.name}`;
  const headers = view.columns.map((column) => el("th", { scope: "col", text: column.header ?? column.field }));
  return el("section", { id, class: "panel generic-view", "aria-labelledby": `${id}-title` },
    el("div", { class: "panel-head" },
      el("h2", { id: `${id}-title`, text: view.title || view.name }),
      el("p", { id: `${id}-summary`, class: "summary", "aria-live": "polite" })),
    el("div", { class: "table-wrap" },
      el("table", { id: `${id}-table` },
        el("caption", { class: "sr-only", text: `${view.title || view.name} on the valid date` }),
        el("thead", {}, el("tr", {}, headers)),
        el("tbody"))));
}

export async function loadViewTables(minPosition) {
  asked = true;
  await Promise.all(tables.map((view) => loadViewTable(view, minPosition)));
}

async function loadViewTable(view, minPosition) {
  const seq = (tableSeq.get(view.name) || 0) + 1;
  tableSeq.set(view.name, seq);
  const at = state.at;
  // Only the filters the view takes: the others would mean nothing to it.
  const { filters } = view;
  const body = await getJson(`/views/${encodeURIComponent(view.name)}`, {
    at,
    known_at: knownAtParam(),
    limit: PAGE_LIMIT,
    material: filters.includes("material") ? state.materials : null,
    jurisdiction: filters.includes("jurisdiction") ? state.jurisdiction || null : null,
    min_position: minPosition,
  });
  if (seq !== tableSeq.get(view.name)) return;
  renderViewTable(view, body, at);
}

function cellText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(cellText).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function renderViewTable(view, body, at) {
  const id = `view-${view.name}`;
  const { columns } = view;
  const items = body.items || [];
  const rows = items.map((item) => el("tr", { "data-policy-id": typeof item.policy_id === "string" ? item.policy_id : null },
    columns.map((column) => el("td", { text: cellText(item[column.field]) }))));
  const tbody = $(`${id}-table`).tBodies[0];
  tbody.replaceChildren(...rows);
  if (!rows.length) {
    tbody.append(el("tr", {}, el("td", { colSpan: Math.max(1, columns.length), class: "empty", text: "Nothing on this date with these filters." })));
  }
  $(`${id}-summary`).textContent = `on ${shortDate(at)}: ${items.length}`;
  const section = $(id);
  section.dataset.at = at;
  section.dataset.position = body.position;
}
