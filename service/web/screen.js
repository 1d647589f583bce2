// Screening a product: "may it leave one jurisdiction for another on a day?", answered by
// GET /screen as known at the page's record time. Three small tables (the controls that bind,
// those about to, those whose HS lists cannot rule the product out) and the answer's
// permalink. Everything from the API goes on the page as text, never as markup.

import { $, el } from "./dom.js";
import { longDate } from "./dates.js";
import { jurisdictionName } from "./names.js";
import { state, knownAtParam } from "./state.js";
import { getJson } from "./api.js";

const STATUS_LABEL = { in_force: "In force", suspended: "Suspended" };
const REASON_LABEL = {
  hs_codes_incomplete: "HS list known to be partial",
  hs_codes_unknown: "HS list not known to be complete",
};

let screenSeq = 0;
let dateTouched = false; // the reader chose a date of their own: stop following the page's

function listOf(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean);
}

// The exporter choice offers every jurisdiction with a policy once the page knows them,
// keeping the one chosen.
function fillExporters() {
  const select = $("screen-exporter");
  const chosen = select.value || "CN";
  const codes = new Set([...select.options].map((o) => o.value));
  for (const code of state.allJurisdictions) codes.add(code);
  const wanted = [...codes].sort();
  if (wanted.join() === [...select.options].map((o) => o.value).join()) return;
  select.replaceChildren(...wanted.map((code) => el("option", { value: code, text: `${code} · ${jurisdictionName(code)}` })));
  select.value = chosen;
}

function followPageDate() {
  if (!dateTouched) $("screen-on").value = state.at;
}

function statusCell(item) {
  const cell = el("td", { class: "status" }, el("span", { class: `badge s-${item.status}`, text: STATUS_LABEL[item.status] || item.status }));
  // Not-ruled-out entries carry no suspension dates: say nothing rather than "further notice".
  if (item.status === "suspended" && "suspended_until" in item) {
    cell.append(el("small", { text: item.suspended_until ? `until ${item.suspended_until}` : "until further notice" }));
  }
  return cell;
}

function controlCell(item) {
  return el("td", { class: "control" }, el("strong", { text: item.policy_id }), el("small", { text: item.title || "" }));
}

function matchedCell(item) {
  return el("td", { class: "matched" }, ...(item.matched_by || []).map((term) => el("span", { class: "chip", text: term })));
}

function coverageCell(item) {
  return el("td", { class: `coverage cov-${item.coverage}`, text: item.coverage === "full" ? "full" : "partial" });
}

function row(item, cells) {
  return el("tr", { "data-policy-id": item.policy_id, "data-status": item.status }, ...cells);
}

function fill(tableId, rows, columns, empty) {
  const tbody = $(tableId).tBodies[0];
  tbody.replaceChildren(...rows);
  if (!rows.length) tbody.append(el("tr", {}, el("td", { colSpan: columns, class: "empty", text: empty })));
}

function render(body) {
  const binding = body.binding || [];
  const upcoming = body.upcoming || [];
  const notRuledOut = body.not_ruled_out || [];
  fill("screen-binding", binding.map((item) => row(item, [
    statusCell(item), controlCell(item), coverageCell(item), matchedCell(item),
    el("td", { text: (item.measure || "").replace("_", " ") }),
  ])), 5, "No control found that covers this product on this date.");
  fill("screen-upcoming", upcoming.map((item) => row(item, [
    el("td", { class: "date", text: item.takes_effect }), statusCell(item), controlCell(item),
    coverageCell(item), matchedCell(item),
  ])), 5, "None takes effect within 90 days.");
  const withCodes = (body.query.hs_codes || []).length > 0;
  $("screen-not-ruled-out-block").hidden = !withCodes;
  fill("screen-not-ruled-out", notRuledOut.map((item) => row(item, [
    statusCell(item), controlCell(item),
    el("td", { class: "why", text: REASON_LABEL[item.reason] || item.reason }),
    el("td", { class: "mats" }, ...(item.materials || []).map((m) => el("span", { class: "chip", text: m }))),
  ])), 4, "None: every other control's HS list is complete.");

  const query = body.query;
  const product = [...(query.hs_codes || []), ...(query.materials || [])].join(", ");
  const suspended = binding.filter((item) => item.status === "suspended").length;
  const parts = [
    `${binding.length} binding${suspended ? ` (${suspended} suspended)` : ""}`,
    `${upcoming.length} upcoming`,
    withCodes ? `${notRuledOut.length} not ruled out` : null,
  ].filter(Boolean);
  $("screen-summary").textContent =
    `${product} from ${query.exporter} to ${query.destination || "any destination"} on ${longDate(body.on)}, ` +
    `as known at log position ${body.position}: ${parts.join(", ")}.`;
  const link = $("screen-permalink");
  const address = typeof body.permalink === "string" && body.permalink.startsWith("/screen?") ? body.permalink : "";
  link.textContent = address;
  if (address) link.href = address;
  else link.removeAttribute("href");
  const section = $("screen-section");
  section.dataset.on = body.on;
  section.dataset.position = body.position;
  $("screen-results").hidden = false;
}

async function runScreen() {
  const seq = ++screenSeq;
  const error = $("screen-error");
  error.hidden = true;
  const on = $("screen-on").value || state.at;
  const params = {
    hs_code: listOf($("screen-hs").value),
    material: listOf($("screen-material").value),
    exporter: $("screen-exporter").value,
    destination: $("screen-destination").value.trim() || null,
    on,
    known_at: knownAtParam(),
    min_confidence: state.unverified ? "unverified" : null,
  };
  if (!params.hs_code.length && !params.material.length) {
    error.textContent = "Give at least one HS code or material to screen.";
    error.hidden = false;
    return;
  }
  $("screen-section").setAttribute("aria-busy", "true");
  try {
    const body = await getJson("/screen", params);
    if (seq === screenSeq) render(body);
  } catch (failure) {
    if (seq !== screenSeq) return;
    // The API's own message says which field is wrong (an HS code, a destination, ...).
    error.textContent = String(failure.message || failure).replace(/^\/screen: \d+ /, "");
    error.hidden = false;
  } finally {
    if (seq === screenSeq) $("screen-section").removeAttribute("aria-busy");
  }
}

export function setupScreen() {
  const form = $("screen-form");
  if (!form) return;
  followPageDate();
  document.addEventListener("valid-date-change", followPageDate);
  form.addEventListener("focusin", () => {
    followPageDate();
    fillExporters();
  });
  $("screen-on").addEventListener("change", (event) => {
    dateTouched = Boolean(event.target.value);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    followPageDate();
    runScreen();
  });
}
