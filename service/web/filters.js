import { $, el } from "./dom.js";
import { jurisdictionName } from "./names.js";
import { state } from "./state.js";
import { getJson } from "./api.js";
import { reloadSoon } from "./reload.js";

const POLICY_PAGE_LIMIT = 500;
const MAX_POLICY_PAGES = 40;

// The jurisdiction filter offers every jurisdiction of the timeline, read from the policies
// list: the timeline read is filtered (by jurisdiction, material, confidence), so what it
// holds would narrow the choice to the current result.
export async function loadJurisdictions() {
  const codes = new Set();
  let after = "";
  try {
    for (let page = 0; page < MAX_POLICY_PAGES; page += 1) {
      const body = await getJson("/policies", { limit: POLICY_PAGE_LIMIT, after });
      for (const item of body.items) if (item.jurisdiction) codes.add(item.jurisdiction);
      if (!body.next_after) break;
      after = body.next_after;
    }
  } catch {
    return; // only the filter's list of choices: keep the last one rather than fail the page
  }
  state.allJurisdictions = codes;
}

export function fillFilterOptions() {
  const select = $("jurisdiction");
  const codes = new Set([...state.allJurisdictions, ...state.seenJurisdictions]);
  // The address may name a jurisdiction with nothing recorded yet: it is still the filter in
  // force, so it is offered and shown rather than leaving the control blank.
  if (state.jurisdiction) codes.add(state.jurisdiction);
  const wanted = ["", ...[...codes].sort()];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join() !== have.join()) {
    select.replaceChildren(
      el("option", { value: "", text: "all" }),
      ...wanted.slice(1).map((code) => el("option", { value: code, text: `${code} · ${jurisdictionName(code)}` })),
    );
  }
  select.value = state.jurisdiction;
  const list = $("material-list");
  const known = new Set([...list.options].map((o) => o.value));
  for (const m of [...state.seenMaterials].sort((a, b) => a.localeCompare(b))) {
    if (!known.has(m)) list.append(el("option", { value: m }));
  }
}

function applyMaterial() {
  const materials = $("material").value.split(",").map((m) => m.trim()).filter(Boolean);
  if (materials.join(",") === state.materials.join(",")) return;
  state.materials = materials;
  reloadSoon.now();
}

// The search narrows the timeline only: the stream and the other views take no words.
function applySearch() {
  const q = $("q").value.trim();
  if (q === state.q) return;
  state.q = q;
  reloadSoon.now();
}

export function setupFilters() {
  $("q").value = state.q;
  $("toolbar").addEventListener("submit", (event) => {
    event.preventDefault();
    applyMaterial();
    applySearch();
  });
  $("q").addEventListener("change", applySearch);
  $("q").addEventListener("search", applySearch); // Enter, or the clear button
  $("material").addEventListener("change", applyMaterial);
  $("jurisdiction").addEventListener("change", (event) => {
    state.jurisdiction = event.target.value;
    reloadSoon.now();
  });
  $("unverified").addEventListener("change", (event) => {
    state.unverified = event.target.checked;
    reloadSoon.now();
  });
}
