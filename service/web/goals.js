import { $, el } from "./dom.js";
import { shortDate } from "./dates.js";
import { FULL_NUMBER } from "./money.js";
import { state, knownAtParam } from "./state.js";
import { PAGE_LIMIT, filterParams, getJson } from "./api.js";
import { selectEvent } from "./event-detail.js";

let goalsSeq = 0;
export async function loadGoals(minPosition) {
  const seq = ++goalsSeq;
  const at = state.at;
  const body = await getJson("/views/goals", {
    ...filterParams(),
    at,
    known_at: knownAtParam(),
    min_position: minPosition,
    limit: PAGE_LIMIT,
  });
  if (seq !== goalsSeq) return;
  renderGoals(body, at);
}

const GOAL_STATUS = { active: "Active", met: "Met", missed: "Missed", deadline_passed: "Deadline passed", abandoned: "Abandoned" };
function percent(value) {
  return `${FULL_NUMBER.format(Number(value))}%`;
}

function renderGoals(body, at) {
  const items = [...body.items].sort(
    (a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || String(a.deadline).localeCompare(String(b.deadline)) || a.policy_id.localeCompare(b.policy_id),
  );
  const rows = items.map((goal) => {
    const open = el("button", { type: "button", class: "linkish", text: goal.metric || goal.title, title: goal.title, "data-event-id": (goal.event_ids || [])[0] || "" });
    open.addEventListener("click", () => selectEvent(open.dataset.eventId, { focusPanel: true }));
    const by = `${goal.jurisdiction} · ${goal.agency || ""}${goal.confidence && goal.confidence !== "confirmed" ? ` · ${goal.confidence}` : ""}`;
    const goalCell = el("td", { class: "goal" }, open, el("small", { text: by }));
    const sign = goal.comparator === "at_most" ? "≤" : "≥";
    const target = goal.target_percent !== null && goal.target_percent !== undefined
      ? `${sign} ${percent(goal.target_percent)}`
      : goal.target_description || "qualitative";
    const targetCell = el("td", { class: "target", text: target }, goal.deadline ? el("small", { text: `by ${goal.deadline}` }) : null);
    const status = el("td", { class: "status" }, el("span", { class: `badge g-${goal.status}`, text: GOAL_STATUS[goal.status] || goal.status }));
    const progress = goal.latest_progress;
    if (progress) status.append(el("small", { text: `${percent(progress.value_percent)} as of ${progress.as_of}` }));
    if (goal.on_track === true) status.append(el("small", { text: "on track" }));
    else if (goal.on_track === false) status.append(el("small", { text: "behind the line" }));
    return el("tr", { "data-policy-id": goal.policy_id }, goalCell, targetCell, status);
  });
  const tbody = $("goals").tBodies[0];
  tbody.replaceChildren(...rows);
  if (!rows.length) {
    tbody.append(el("tr", {}, el("td", { colSpan: 3, class: "empty", text: "No goal set by this date with these filters." })));
  }
  $("goals-summary").textContent = `on ${shortDate(at)}: ${items.length}`;
  $("goals-section").dataset.at = at;
}
