import { $, el } from "./dom.js";
import { jurisdictionName } from "./names.js";
import { longDate } from "./dates.js";
import { usd, fullAmount } from "./money.js";
import { state, writeUrl, knownAtParam } from "./state.js";
import { PAGE_LIMIT, filterParams, getJson, showAlert } from "./api.js";

const FUNDING_ROWS = 8;

let fundingSeq = 0;

export async function loadFunding(minPosition) {
  const seq = ++fundingSeq;
  const at = state.at;
  const read = (groupBy) => getJson("/views/funding", {
    ...filterParams(),
    at,
    known_at: knownAtParam(),
    group_by: groupBy,
    min_position: minPosition,
    limit: PAGE_LIMIT,
  });
  // The headline sums every jurisdiction shown, so it says how much of it each one is; the
  // table may be grouped otherwise, hence a second read by jurisdiction.
  const [body, byJurisdiction] = await Promise.all([
    read(state.groupBy),
    state.groupBy === "jurisdiction" || state.jurisdiction ? null : read("jurisdiction"),
  ]);
  if (seq !== fundingSeq) return;
  renderFunding(body, at, byJurisdiction || (state.groupBy === "jurisdiction" ? body : null));
}

function keyLabel(key) {
  const values = Object.entries(key || {}).map(([field, value]) => {
    if (value === null || value === undefined || value === "") return "(none)";
    return field === "jurisdiction" ? `${value} · ${jurisdictionName(value)}` : String(value);
  });
  return values.join(" · ") || "(none)";
}

function renderFunding(body, at, byJurisdiction) {
  const items = body.items || [];
  const max = Math.max(1, ...items.map((i) => Number(i.total_usd) || 0));
  const shown = state.fundingAll ? items : items.slice(0, FUNDING_ROWS);
  const rows = shown.map((item) => {
    const bar = el("span", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${Math.max(0.5, (100 * (Number(item.total_usd) || 0)) / max)}%`;
    const amount = el("td", { class: "amount" }, el("div", { class: "amount-line" },
      el("span", { class: "bar-track", "aria-hidden": "true" }, bar),
      el("span", { class: "num", text: usd(item.total_usd), title: `$${fullAmount(item.total_usd)}` })));
    const count = el("td", { class: "num", text: String(item.count) });
    if (item.unpriced) count.append(el("small", { text: ` +${item.unpriced} unpriced` }));
    return el("tr", {}, el("th", { scope: "row", text: keyLabel(item.key) }), amount, count);
  });
  const tbody = $("funding").tBodies[0];
  tbody.replaceChildren(...rows);
  if (!rows.length) {
    tbody.append(el("tr", {}, el("td", { colSpan: 3, class: "empty", text: "No funding committed by this date with these filters." })));
  }
  const more = $("funding-more");
  more.hidden = items.length <= FUNDING_ROWS;
  more.textContent = state.fundingAll ? "Show the largest only" : `Show all ${items.length}`;
  const groupLabel = $("group-by").selectedOptions[0].textContent;
  $("funding-key").textContent = groupLabel[0].toUpperCase() + groupLabel.slice(1);
  $("funding-summary").replaceChildren(...fundingHeadline(body, at, byJurisdiction));
  const section = $("funding-section");
  section.dataset.at = at;
  section.dataset.position = body.position;
}

// What the total is: the sum of each standing commitment's US-dollar figure (amount_usd, the
// source's own figure or conversion; no exchange rate is applied here), over every
// jurisdiction shown unless one is chosen, with what each jurisdiction adds.
function fundingHeadline(body, at, byJurisdiction) {
  const total = body.total_usd ?? "0";
  const count = body.count ?? 0;
  const scope = state.jurisdiction
    ? `${state.jurisdiction} · ${jurisdictionName(state.jurisdiction)}`
    : "all jurisdictions added together";
  const materials = state.materials.length ? ` · material ${state.materials.join(", ")}` : "";
  const parts = (byJurisdiction ? byJurisdiction.items || [] : [])
    .filter((g) => Number(g.total_usd) > 0)
    .map((g) => `${g.key.jurisdiction} ${usd(g.total_usd)}`);
  const split = parts.length > 1 ? `${parts.join(" + ")} · ` : "";
  const unpriced = body.unpriced ? `; ${body.unpriced} without a dollar figure not counted` : "";
  return [
    el("strong", { text: usd(total), title: `$${fullAmount(total)}` }),
    ` ${scope}${materials}, standing on ${longDate(at)}`,
    el("small", {
      class: "basis",
      text: `${split}${count} commitment${count === 1 ? "" : "s"}, each in US dollars as its source gives it${unpriced}`,
    }),
  ];
}

export function setupFunding() {
  $("group-by").addEventListener("change", (event) => {
    state.groupBy = event.target.value;
    state.fundingAll = false;
    writeUrl();
    loadFunding().catch((error) => showAlert(`Could not read the funding view: ${error.message}`));
  });
  $("funding-more").addEventListener("click", () => {
    state.fundingAll = !state.fundingAll;
    loadFunding().catch((error) => showAlert(`Could not read the funding view: ${error.message}`));
  });
}
