// Policy Timeline: the page at "/". Plain JavaScript, no libraries, nothing fetched from
// anywhere but this server. It reads the public API (views, events), draws the timeline as
// SVG, and follows the live streams (Server-Sent Events) so that new events show at once.
// Everything from the API is put on the page as text (textContent), never as markup.

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";
const DAY_MS = 86400000;
const PAGE_LIMIT = 1000;
const MAX_TIMELINE_PAGES = 50;
const POLICY_PAGE_LIMIT = 500;
const MAX_POLICY_PAGES = 40;
const FUNDING_ROWS = 8;
const FEED_MAX = 12;

// --- kinds of event: colour (CSS class k-<key>) and shape, so print and colour-blind readers
// can tell them apart too ------------------------------------------------------------------
const KINDS = [
  { key: "control", label: "Export control", shape: "diamond" },
  { key: "eased", label: "Control suspended / lifted", shape: "diamond" },
  { key: "enforcement", label: "Enforcement", shape: "triangle" },
  { key: "funding", label: "Funding", shape: "circle" },
  { key: "goal", label: "Self-sufficiency goal", shape: "square" },
  { key: "tariff", label: "Tariff", shape: "down" },
  { key: "policy", label: "Other policy move", shape: "pill" },
];
const KIND_BY_KEY = Object.fromEntries(KINDS.map((k) => [k.key, k]));
const SHAPES = {
  diamond: "M0,-7L7,0L0,7L-7,0Z",
  triangle: "M0,-7L7,5.5L-7,5.5Z",
  down: "M-7,-5.5L7,-5.5L0,7Z",
  circle: "M-6,0a6,6 0 1,0 12,0a6,6 0 1,0 -12,0",
  square: "M-5.5,-5.5h11v11h-11Z",
  pill: "M-4,-4.5h8a4.5,4.5 0 0,1 0,9h-8a4.5,4.5 0 0,1 0,-9Z",
};

function kindOf(type) {
  if (/^ExportControl(Suspended|Lifted)$/.test(type)) return "eased";
  if (type.startsWith("ExportControl")) return "control";
  if (type.startsWith("Enforcement")) return "enforcement";
  if (type.startsWith("Funding")) return "funding";
  if (type.startsWith("Goal") || type.startsWith("SelfSufficiency")) return "goal";
  if (type.startsWith("Tariff")) return "tariff";
  return "policy";
}

function typeLabel(type) {
  return type.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/\bExport Control\b/, "Export control");
}

// --- names -----------------------------------------------------------------------------
let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(["en"], { type: "region" });
} catch {
  regionNames = null;
}
function jurisdictionName(code) {
  if (code === "EU") return "European Union";
  try {
    const name = regionNames ? regionNames.of(code) : null;
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}

// --- dates (all in UTC days) ------------------------------------------------------------
function isoToMs(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}
function msToIso(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
function todayIso() {
  return new Date().toISOString().slice(0, 10);
}
function addMonths(iso, n) {
  const [y, m, d] = iso.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return msToIso(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
}
const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
});
const SHORT_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
});
const MONTH = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: "UTC" });
function longDate(iso) {
  return LONG_DATE.format(new Date(isoToMs(iso)));
}
function shortDate(iso) {
  return SHORT_DATE.format(new Date(isoToMs(iso)));
}
function stamp(isoDateTime) {
  // "2026-11-28T18:15:25.920032Z" -> "2026-11-28 18:15 UTC"
  if (!isoDateTime) return "";
  const d = new Date(isoDateTime);
  if (Number.isNaN(d.getTime())) return String(isoDateTime);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

// --- money ------------------------------------------------------------------------------
const COMPACT_USD = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 2,
});
const FULL_NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
function usd(decimal) {
  const n = Number(decimal);
  return Number.isFinite(n) ? COMPACT_USD.format(n) : String(decimal);
}
function fullAmount(decimal) {
  const n = Number(decimal);
  return Number.isFinite(n) ? FULL_NUMBER.format(n) : String(decimal);
}

// --- small DOM helpers ------------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("data-") || name.startsWith("aria-") || name === "role") {
      node.setAttribute(name, value);
    } else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
function kindSwatch(key, size = 14) {
  const kind = KIND_BY_KEY[key];
  return svg(
    "svg",
    { class: `swatch k-${key}`, width: size, height: size, viewBox: "-8 -8 16 16", "aria-hidden": "true" },
    svg("path", { d: SHAPES[kind.shape], class: "mark" }),
  );
}
function safeUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.now = (...args) => {
    clearTimeout(timer);
    fn(...args);
  };
  return wrapped;
}

// --- state ------------------------------------------------------------------------------
const state = {
  at: todayIso(),
  known: { mode: "latest", position: null, date: null },
  materials: [],
  jurisdiction: "",
  unverified: false,
  groupBy: "agency",
  fundingAll: false,
  hiddenKinds: new Set(),
  events: new Map(), // event_id -> timeline item
  fresh: new Set(), // event ids that arrived live, highlighted for a while
  readPosition: 0, // the log position the timeline read reflects
  head: 0, // the newest log position this page has heard of
  notShown: 0, // events recorded since a pinned "known at"
  selected: null,
  focusId: null,
  seen: { first: Infinity, last: -Infinity },
  seenJurisdictions: new Set(),
  allJurisdictions: new Set(), // every jurisdiction with a policy, whatever the filters
  seenMaterials: new Set(),
  range: { min: isoToMs("2020-01-01"), max: isoToMs(`${Math.max(2026, Number(todayIso().slice(0, 4)))}-12-31`) },
  domain: null, // [ms, ms] shown on the timeline
  fitted: true, // the timeline shows everything (until the reader zooms or pans)
  lastControls: null, // policy_id -> status of the table shown before
};

function readUrl() {
  const params = new URLSearchParams(location.search);
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get("at") || "")) state.at = params.get("at");
  const known = params.get("known_at") || "";
  const byPosition = /^position=(\d+)$/.exec(known);
  if (byPosition) state.known = { mode: "position", position: Number(byPosition[1]), date: null };
  else if (/^\d{4}-\d{2}-\d{2}$/.test(known)) state.known = { mode: "date", position: null, date: known };
  state.materials = params.getAll("material").filter(Boolean);
  state.jurisdiction = params.get("jurisdiction") || "";
  state.unverified = params.get("min_confidence") === "unverified";
  const groupBy = params.get("group_by");
  if (groupBy && [...$("group-by").options].some((o) => o.value === groupBy)) state.groupBy = groupBy;
}
// The address keeps the page's state (date, record time, filters), so a view can be shared;
// written at most every 300 ms, since browsers throttle frequent history changes.
const writeUrl = debounce(() => writeUrlNow(), 300);
function writeUrlNow() {
  const params = new URLSearchParams();
  params.set("at", state.at);
  const known = knownAtParam();
  if (known) params.set("known_at", known);
  for (const m of state.materials) params.append("material", m);
  if (state.jurisdiction) params.set("jurisdiction", state.jurisdiction);
  if (state.unverified) params.set("min_confidence", "unverified");
  if (state.groupBy !== "agency") params.set("group_by", state.groupBy);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  updatePrintSummary();
}
function knownAtParam() {
  if (state.known.mode === "position" && state.known.position) return `position=${state.known.position}`;
  if (state.known.mode === "date" && state.known.date) return state.known.date;
  return null;
}
function pinned() {
  return knownAtParam() !== null;
}

// --- API --------------------------------------------------------------------------------
function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const v of value) search.append(name, v);
    else search.set(name, String(value));
  }
  return search.toString();
}
function filterParams() {
  return {
    material: state.materials,
    jurisdiction: state.jurisdiction || null,
    min_confidence: state.unverified ? "unverified" : null,
  };
}
async function getJson(path, params = {}) {
  const qs = queryString(params);
  const response = await fetch(qs ? `${path}?${qs}` : path, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw new Error(`${path}: ${response.status} ${message}`);
  }
  return body;
}
function showAlert(message) {
  const box = $("alert");
  box.textContent = message;
  box.hidden = !message;
}

// --- the timeline read ------------------------------------------------------------------
let timelineSeq = 0;
async function loadTimeline() {
  const seq = ++timelineSeq;
  const items = new Map();
  let after = "";
  let position = 0;
  for (let page = 0; page < MAX_TIMELINE_PAGES; page += 1) {
    const body = await getJson("/views/timeline", {
      ...filterParams(),
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
function remember(item) {
  // The date slider spans every event seen, whatever the filters: it never shrinks.
  const t = isoToMs(item.announced_on);
  state.seen.first = Math.min(state.seen.first, t);
  state.seen.last = Math.max(state.seen.last, t);
  state.seenJurisdictions.add(item.jurisdiction);
  for (const m of item.materials || []) state.seenMaterials.add(m);
}
// The jurisdiction filter offers every jurisdiction of the timeline, read from the policies
// list: the timeline read is filtered (by jurisdiction, material, confidence), so what it
// holds would narrow the choice to the current result.
async function loadJurisdictions() {
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
function fillFilterOptions() {
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
function fitRangeToEvents() {
  const { first, last } = state.seen;
  if (!Number.isFinite(first)) return;
  const firstYear = new Date(first).getUTCFullYear();
  const lastYear = Math.max(new Date(last).getUTCFullYear() + 1, Number(todayIso().slice(0, 4)));
  state.range = { min: Date.UTC(Math.min(firstYear, 2023), 0, 1), max: Date.UTC(lastYear, 11, 31) };
  state.at = clampIso(state.at);
  setupAtRange();
}

// --- views for the chosen date ----------------------------------------------------------
let controlsSeq = 0;
let fundingSeq = 0;
async function loadControls(minPosition) {
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
async function loadFunding(minPosition) {
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
let goalsSeq = 0;
async function loadGoals(minPosition) {
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
async function loadViews(minPosition) {
  try {
    await Promise.all([loadControls(minPosition), loadFunding(minPosition), loadGoals(minPosition)]);
    showAlert("");
  } catch (error) {
    showAlert(`Could not read the views: ${error.message}`);
  }
}
const loadViewsSoon = debounce((minPosition) => loadViews(minPosition), 120);

// --- the active export controls table ---------------------------------------------------
const STATUS_ORDER = { in_force: 0, suspended: 1, pending: 2, lifted: 3, expired: 4 };
const STATUS_LABEL = {
  in_force: "In force", suspended: "Suspended", pending: "Pending", lifted: "Lifted", expired: "Expired",
};
const MEASURE_LABEL = {
  licence_required: "licence required", ban: "ban", extraterritorial: "extraterritorial",
};
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
    const control = el("td", { class: "control" }, open, item.instrument ? el("small", { text: item.instrument }) : null);
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

// --- funding ----------------------------------------------------------------------------
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

// --- goals ------------------------------------------------------------------------------
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

// --- the valid-date controls ------------------------------------------------------------
function dayIndex(iso) {
  return Math.round((isoToMs(iso) - state.range.min) / DAY_MS);
}
function setupAtRange() {
  const range = $("at-range");
  range.min = "0";
  range.max = String(Math.round((state.range.max - state.range.min) / DAY_MS));
  const dateInput = $("at-date");
  dateInput.min = msToIso(state.range.min);
  dateInput.max = msToIso(state.range.max);
  const years = $("at-years");
  const labels = [];
  const span = state.range.max - state.range.min;
  for (let y = new Date(state.range.min).getUTCFullYear(); y <= new Date(state.range.max).getUTCFullYear(); y += 1) {
    const frac = (Date.UTC(y, 0, 1) - state.range.min) / span;
    if (frac < 0 || frac > 0.97) continue;
    const label = el("span", { text: String(y) });
    label.style.left = `calc(8px + (100% - 16px) * ${frac.toFixed(5)})`;
    labels.push(label);
  }
  years.replaceChildren(...labels);
  showAt();
}
function clampIso(iso) {
  const t = Math.min(Math.max(isoToMs(iso), state.range.min), state.range.max);
  return msToIso(t);
}
function showFill(range) {
  const span = Number(range.max) - Number(range.min) || 1;
  range.style.setProperty("--fill", `${((100 * (Number(range.value) - Number(range.min))) / span).toFixed(3)}%`);
}
function showAt() {
  const range = $("at-range");
  range.value = String(dayIndex(state.at));
  showFill(range);
  range.setAttribute("aria-valuetext", longDate(state.at));
  $("at-date").value = state.at;
}
function setAt(iso, { now = false } = {}) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return;
  iso = clampIso(iso);
  if (iso === state.at && !now) {
    showAt();
    return;
  }
  state.at = iso;
  showAt();
  writeUrl();
  renderTimeline();
  if (now) loadViewsSoon.now();
  else loadViewsSoon();
}

// --- record time ("known at") -----------------------------------------------------------
function showKnown() {
  $("known-mode").value = state.known.mode;
  $("known-position-wrap").hidden = state.known.mode !== "position";
  $("known-date-wrap").hidden = state.known.mode !== "date";
  const slider = $("known-position");
  slider.max = String(Math.max(1, state.head));
  if (state.known.position) slider.value = String(state.known.position);
  showFill(slider);
  $("known-position-out").textContent = `#${slider.value} of ${state.head}`;
  slider.setAttribute("aria-valuetext", `log position ${slider.value} of ${state.head}`);
  if (state.known.date) $("known-date").value = state.known.date;
}
const reloadSoon = debounce(() => reloadAll(), 200);

// --- live updates -----------------------------------------------------------------------
let streams = [];
let lastStreamId = null;
let reopenTimer = null;
function closeStreams() {
  clearTimeout(reopenTimer);
  for (const source of streams) source.close();
  streams = [];
}
function setLive(kind, text) {
  const live = $("live");
  live.dataset.state = kind;
  $("live-text").textContent = text;
}
function liveText() {
  if (pinned()) {
    return state.notShown
      ? `Live · ${state.notShown} newer event${state.notShown === 1 ? "" : "s"} not shown (known at is set)`
      : "Live · known at is set";
  }
  return `Live · log position ${state.head}`;
}
function openStreams(after) {
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

// --- the timeline (SVG) -----------------------------------------------------------------
// The band above the lanes has two rows: the tick labels, then the valid-date label, so the
// two never overlap whatever the date and the zoom.
const LAYOUT = { left: 150, right: 18, top: 42, bottom: 10, row: 16, pad: 8, minGap: 15, minLane: 58 };
const TICK_BASELINE = 14;
const AT_PILL = { top: LAYOUT.top - 20, height: 16, padding: 8 };
const MIN_SPAN = 20 * DAY_MS;
const MAX_SPAN = 16 * 365 * DAY_MS;
let geometry = null; // what the last render drew: scales and marker positions

function visibleEvents() {
  return [...state.events.values()].filter((e) => !state.hiddenKinds.has(kindOf(e.type)));
}
// The whole timeline: every event and the valid date, so neither falls off either end.
function fitDomain() {
  const all = [...state.events.values()].map((e) => isoToMs(e.announced_on));
  if (!all.length) return [state.range.min, state.range.max];
  all.push(isoToMs(state.at));
  const first = Math.min(...all);
  const last = Math.max(...all);
  const margin = Math.max(45 * DAY_MS, (last - first) * 0.03);
  return [first - margin, last + margin];
}
function laneOrder(events) {
  const counts = new Map();
  for (const e of events) counts.set(e.jurisdiction, (counts.get(e.jurisdiction) || 0) + 1);
  // An empty lane for the chosen jurisdiction too, when nothing is recorded for it yet.
  for (const code of [...state.seenJurisdictions, state.jurisdiction].filter(Boolean)) {
    if (!counts.has(code) && (!state.jurisdiction || state.jurisdiction === code)) counts.set(code, 0);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code]) => code);
}
function monthTicks(d0, d1, plotWidth) {
  const span = d1 - d0;
  const steps = [1, 2, 3, 6, 12, 24, 60];
  const pxPerMonth = plotWidth / (span / (30.44 * DAY_MS));
  const step = steps.find((s) => s * pxPerMonth >= 58) || 60;
  const start = new Date(d0);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  m = Math.ceil(m / Math.min(step, 12)) * Math.min(step, 12);
  const ticks = [];
  for (let i = 0; i < 400; i += 1) {
    const t = Date.UTC(y, m, 1);
    if (t > d1) break;
    const date = new Date(t);
    if (t >= d0 && (step < 12 || date.getUTCMonth() === 0) && (step <= 12 || date.getUTCFullYear() % (step / 12) === 0)) {
      ticks.push({ t, year: date.getUTCMonth() === 0, label: date.getUTCMonth() === 0 ? String(date.getUTCFullYear()) : MONTH.format(date) });
    }
    m += Math.min(step, 12);
  }
  return { ticks, step };
}
function renderTimeline() {
  const box = $("timeline-box");
  const root = $("timeline");
  const width = Math.max(480, box.clientWidth);
  // Until the reader zooms or pans, the axis follows what there is to show: events posted
  // live and a valid date moved beyond the events stay on it.
  if (state.fitted || !state.domain) state.domain = fitDomain();
  const [d0, d1] = state.domain;
  const plotLeft = LAYOUT.left;
  const plotRight = width - LAYOUT.right;
  const plotWidth = plotRight - plotLeft;
  const x = (t) => plotLeft + ((t - d0) / (d1 - d0)) * plotWidth;
  const events = visibleEvents().sort(
    (a, b) => a.announced_on.localeCompare(b.announced_on) || (a.position || 0) - (b.position || 0),
  );
  const lanes = laneOrder(visibleEvents().length ? events : [...state.events.values()]);
  // Stack events that would overlap in a lane into rows, greedily, at this zoom.
  const placed = [];
  const laneRows = new Map(lanes.map((code) => [code, []]));
  for (const e of events) {
    const ends = laneRows.get(e.jurisdiction);
    if (!ends) continue;
    const px = x(isoToMs(e.announced_on));
    let row = ends.findIndex((end) => end <= px - LAYOUT.minGap);
    if (row === -1) {
      row = ends.length;
      ends.push(px);
    } else ends[row] = px;
    placed.push({ e, px, row });
  }
  let y = LAYOUT.top;
  const laneBoxes = new Map();
  for (const code of lanes) {
    const rows = Math.max(1, laneRows.get(code).length);
    const height = Math.max(LAYOUT.minLane, rows * LAYOUT.row + LAYOUT.pad * 2);
    laneBoxes.set(code, { y, height });
    y += height;
  }
  const height = y + LAYOUT.bottom;
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  root.setAttribute("width", "100%");
  root.setAttribute("height", String(height));
  root.setAttribute("preserveAspectRatio", "xMinYMin meet");

  const clipId = "timeline-clip";
  const defs = svg("defs", {}, svg("clipPath", { id: clipId }, svg("rect", { x: plotLeft - 9, y: 0, width: plotWidth + 18, height })));
  const back = svg("g", { class: "lanes" });
  lanes.forEach((code, i) => {
    const lane = laneBoxes.get(code);
    back.append(svg("rect", { class: i % 2 ? "lane odd" : "lane", x: 0, y: lane.y, width, height: lane.height }));
    const label = svg("text", { class: "lane-code", x: 12, y: lane.y + lane.height / 2 - 2 });
    label.textContent = code;
    const name = svg("text", { class: "lane-name", x: 12, y: lane.y + lane.height / 2 + 12 });
    name.textContent = jurisdictionName(code);
    const n = placed.filter((p) => p.e.jurisdiction === code).length;
    const count = svg("text", { class: "lane-count", x: 12, y: lane.y + lane.height / 2 + 25 });
    count.textContent = `${n} event${n === 1 ? "" : "s"}`;
    back.append(label, name, count);
  });
  const { ticks } = monthTicks(d0, d1, plotWidth);
  const axis = svg("g", { class: "axis" });
  axis.append(svg("rect", { class: "ruler", x: plotLeft, y: 0, width: plotWidth, height: LAYOUT.top - 4 }));
  const corner = svg("text", { class: "corner", x: 12, y: LAYOUT.top - 8 });
  corner.textContent = "Jurisdiction";
  axis.append(corner);
  for (const tick of ticks) {
    const tx = x(tick.t);
    axis.append(svg("line", { class: tick.year ? "grid year" : "grid", x1: tx, x2: tx, y1: TICK_BASELINE - 10, y2: height - LAYOUT.bottom }));
    const text = svg("text", { class: tick.year ? "tick year" : "tick", x: tx + 4, y: TICK_BASELINE });
    text.textContent = tick.label;
    axis.append(text);
  }
  const at = isoToMs(state.at);
  const cursor = svg("g", { class: "at-cursor", "clip-path": `url(#${clipId})` });
  let atMarker = null;
  if (at >= d0 && at <= d1) {
    const ax = x(at);
    cursor.append(svg("rect", { class: "past", x: plotLeft, y: LAYOUT.top, width: Math.max(0, ax - plotLeft), height: height - LAYOUT.top - LAYOUT.bottom }));
    cursor.append(svg("line", { class: "at-line", x1: ax, x2: ax, y1: AT_PILL.top, y2: height - LAYOUT.bottom }));
    const label = svg("text", { class: "at-label", x: ax, y: AT_PILL.top + AT_PILL.height - 4, "text-anchor": "middle" });
    label.textContent = shortDate(state.at);
    const pill = svg("rect", { class: "at-pill", x: ax - 40, y: AT_PILL.top, width: 80, height: AT_PILL.height, rx: AT_PILL.height / 2 });
    cursor.append(pill, label);
    atMarker = { ax, label, pill };
  }
  const marks = svg("g", { class: "marks", "clip-path": `url(#${clipId})` });
  const positions = new Map();
  for (const { e, px, row } of placed) {
    const lane = laneBoxes.get(e.jurisdiction);
    const rows = Math.max(1, laneRows.get(e.jurisdiction).length);
    const py = lane.y + (lane.height - rows * LAYOUT.row) / 2 + LAYOUT.row / 2 + row * LAYOUT.row;
    const kind = kindOf(e.type);
    const classes = ["ev", `k-${kind}`];
    if (e.announced_on > state.at) classes.push("future");
    if (e.confidence && e.confidence !== "confirmed") classes.push(`c-${e.confidence}`);
    if (state.fresh.has(e.event_id)) classes.push("fresh");
    if (state.selected === e.event_id) classes.push("selected");
    const inView = px >= plotLeft - 8 && px <= plotRight + 8;
    const mark = svg("g", {
      class: classes.join(" "),
      transform: `translate(${px.toFixed(1)},${py.toFixed(1)})`,
      tabindex: inView ? "-1" : null,
      role: "button",
      "aria-label": `${e.announced_on}, ${jurisdictionName(e.jurisdiction)}, ${KIND_BY_KEY[kind].label}: ${e.title}`,
      "data-event-id": e.event_id,
      "data-policy-id": e.policy_id,
      "data-kind": kind,
    });
    if (!inView) mark.setAttribute("aria-hidden", "true");
    const title = svg("title");
    title.textContent = `${e.announced_on} · ${e.jurisdiction} · ${typeLabel(e.type)}\n${e.title}`;
    mark.append(title, svg("circle", { class: "halo", r: 11 }), svg("path", { class: "mark", d: SHAPES[KIND_BY_KEY[kind].shape] }));
    marks.append(mark);
    positions.set(e.event_id, { px, py, lane: e.jurisdiction, inView });
  }
  const hadFocus = document.activeElement && root.contains(document.activeElement)
    ? document.activeElement.getAttribute("data-event-id") : null;
  root.replaceChildren(defs, back, axis, cursor, marks);
  if (atMarker) fitAtPill(atMarker, plotLeft, plotRight);
  root.setAttribute("aria-label", `Timeline of ${placed.length} events in ${lanes.length} jurisdictions, ${shortDate(msToIso(d0))} to ${shortDate(msToIso(d1))}`);
  geometry = { x, d0, d1, plotLeft, plotRight, plotWidth, positions, order: placed.map((p) => p.e.event_id), lanes };
  // Roving focus: one event is in the tab order; the arrow keys move between them.
  const candidates = placed.filter((p) => positions.get(p.e.event_id).inView);
  if (!state.focusId || !positions.has(state.focusId) || !positions.get(state.focusId).inView) {
    const nearest = candidates.reduce((best, p) => {
      const d = Math.abs(isoToMs(p.e.announced_on) - at);
      return !best || d < best.d ? { id: p.e.event_id, d } : best;
    }, null);
    state.focusId = nearest ? nearest.id : null;
  }
  const focusMark = state.focusId ? markerFor(state.focusId) : null;
  if (focusMark) focusMark.setAttribute("tabindex", "0");
  if (hadFocus) {
    const again = markerFor(hadFocus) || focusMark;
    if (again) again.focus({ preventScroll: true });
  }
}
// The pill fits its date (measured once drawn) and stays whole inside the plot, near the ends
// too, rather than being cut by the clip.
function fitAtPill({ ax, label, pill }, plotLeft, plotRight) {
  const measured = label.getComputedTextLength();
  const width = measured ? Math.ceil(measured) + 2 * AT_PILL.padding : 80;
  const left = Math.min(Math.max(ax - width / 2, plotLeft), plotRight - width);
  pill.setAttribute("x", left.toFixed(1));
  pill.setAttribute("width", String(width));
  label.setAttribute("x", (left + width / 2).toFixed(1));
}
function markerFor(eventId) {
  if (!eventId) return null;
  return $("timeline").querySelector(`g.ev[data-event-id="${CSS.escape(eventId)}"]`);
}
function zoomBy(factor, centreMs) {
  const [d0, d1] = state.domain || fitDomain();
  const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, (d1 - d0) * factor));
  state.fitted = false;
  const centre = centreMs ?? (isoToMs(state.at) >= d0 && isoToMs(state.at) <= d1 ? isoToMs(state.at) : (d0 + d1) / 2);
  const frac = (centre - d0) / (d1 - d0);
  state.domain = [centre - frac * span, centre + (1 - frac) * span];
  renderTimeline();
}
function panBy(ms) {
  const [d0, d1] = state.domain;
  state.domain = [d0 + ms, d1 + ms];
  state.fitted = false;
  renderTimeline();
}
function revealEvent(eventId) {
  const item = state.events.get(eventId);
  if (!item || !state.domain) return;
  const t = isoToMs(item.announced_on);
  const [d0, d1] = state.domain;
  if (t < d0 || t > d1) {
    const span = d1 - d0;
    state.domain = [t - span / 2, t + span / 2];
    state.fitted = false;
    renderTimeline();
  }
}
function setupTimeline() {
  const root = $("timeline");
  root.addEventListener("wheel", (event) => {
    if (!geometry) return;
    event.preventDefault();
    const rect = root.getBoundingClientRect();
    const scale = rect.width / Number(root.viewBox.baseVal.width || rect.width);
    const px = (event.clientX - rect.left) / scale;
    const [d0, d1] = state.domain;
    if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      const delta = event.shiftKey ? event.deltaY : event.deltaX;
      panBy((delta / geometry.plotWidth) * (d1 - d0));
      return;
    }
    const t = d0 + ((Math.min(Math.max(px, geometry.plotLeft), geometry.plotRight) - geometry.plotLeft) / geometry.plotWidth) * (d1 - d0);
    zoomBy(Math.exp(Math.max(-300, Math.min(300, event.deltaY)) * 0.002), t);
  }, { passive: false });
  let drag = null;
  root.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.target.closest("g.ev")) return;
    drag = { x: event.clientX, domain: state.domain, moved: false, onRuler: event.target.classList.contains("ruler") || event.target.classList.contains("tick") };
    root.setPointerCapture(event.pointerId);
  });
  root.addEventListener("pointermove", (event) => {
    if (!drag || !geometry) return;
    const rect = root.getBoundingClientRect();
    const scale = rect.width / Number(root.viewBox.baseVal.width || rect.width);
    const dx = (event.clientX - drag.x) / scale;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (!drag.moved) return;
    const [d0, d1] = drag.domain;
    const shift = (-dx / geometry.plotWidth) * (d1 - d0);
    state.domain = [d0 + shift, d1 + shift];
    state.fitted = false;
    root.classList.add("dragging");
    renderTimeline();
  });
  const endDrag = (event) => {
    if (!drag) return;
    if (!drag.moved && drag.onRuler && geometry) {
      // A click on the date ruler sets the valid date there.
      const rect = root.getBoundingClientRect();
      const scale = rect.width / Number(root.viewBox.baseVal.width || rect.width);
      const px = (event.clientX - rect.left) / scale;
      const t = geometry.d0 + ((px - geometry.plotLeft) / geometry.plotWidth) * (geometry.d1 - geometry.d0);
      setAt(msToIso(Math.round(t / DAY_MS) * DAY_MS));
    }
    drag = null;
    root.classList.remove("dragging");
  };
  root.addEventListener("pointerup", endDrag);
  root.addEventListener("pointercancel", () => {
    drag = null;
    root.classList.remove("dragging");
  });
  root.addEventListener("click", (event) => {
    const mark = event.target.closest("g.ev");
    if (!mark) return;
    state.focusId = mark.dataset.eventId;
    selectEvent(mark.dataset.eventId, { focusPanel: false });
  });
  root.addEventListener("keydown", (event) => {
    const mark = event.target.closest ? event.target.closest("g.ev") : null;
    if (event.key === "+" || event.key === "=") {
      zoomBy(1 / 1.5);
      event.preventDefault();
      return;
    }
    if (event.key === "-" || event.key === "_") {
      zoomBy(1.5);
      event.preventDefault();
      return;
    }
    if (!mark || !geometry) return;
    const id = mark.dataset.eventId;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      selectEvent(id, { focusPanel: false });
      return;
    }
    const order = geometry.order.filter((eid) => geometry.positions.get(eid).inView);
    const index = order.indexOf(id);
    let next = null;
    if (event.key === "ArrowRight") next = order[Math.min(order.length - 1, index + 1)];
    else if (event.key === "ArrowLeft") next = order[Math.max(0, index - 1)];
    else if (event.key === "Home") next = order[0];
    else if (event.key === "End") next = order[order.length - 1];
    else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      const here = geometry.positions.get(id);
      const laneIndex = geometry.lanes.indexOf(here.lane) + (event.key === "ArrowUp" ? -1 : 1);
      const lane = geometry.lanes[laneIndex];
      if (lane) {
        let best = null;
        for (const eid of order) {
          const p = geometry.positions.get(eid);
          if (p.lane !== lane) continue;
          const d = Math.abs(p.px - here.px);
          if (!best || d < best.d) best = { eid, d };
        }
        next = best ? best.eid : null;
      }
    } else return;
    event.preventDefault();
    if (next && next !== id) {
      mark.setAttribute("tabindex", "-1");
      state.focusId = next;
      const target = markerFor(next);
      target.setAttribute("tabindex", "0");
      target.focus();
    }
  });
  $("zoom-in").addEventListener("click", () => zoomBy(1 / 1.5));
  $("zoom-out").addEventListener("click", () => zoomBy(1.5));
  $("zoom-fit").addEventListener("click", () => {
    state.fitted = true;
    renderTimeline();
  });
  $("zoom-recent").addEventListener("click", () => {
    state.domain = [Date.UTC(2023, 0, 1), Date.UTC(2027, 0, 1)];
    state.fitted = false;
    renderTimeline();
  });
  let width = 0;
  new ResizeObserver(() => {
    const now = $("timeline-box").clientWidth;
    if (now !== width) {
      width = now;
      if (geometry) renderTimeline();
    }
  }).observe($("timeline-box"));
}
function setupLegend() {
  const legend = $("legend");
  for (const kind of KINDS) {
    const box = el("input", { type: "checkbox", checked: true, value: kind.key });
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenKinds.delete(kind.key);
      else state.hiddenKinds.add(kind.key);
      renderTimeline();
    });
    legend.append(el("label", { class: `kind k-${kind.key}` }, box, kindSwatch(kind.key), kind.label));
  }
}

// --- one event in detail ----------------------------------------------------------------
const FIELDS = [
  ["policy_id", "Policy"], ["jurisdiction", "Jurisdiction"], ["agency", "Agency"],
  ["announced_on", "Announced"], ["effective_from", "In effect from"], ["effective_until", "In effect until"],
  ["until", "Suspended until"], ["materials", "Materials"], ["targets", "Aimed at"], ["hs_codes", "HS codes"],
  ["instrument", "Instrument"], ["measure", "Measure"], ["de_minimis_percent", "De minimis (%)"],
  ["amount", "Amount"], ["amount_usd", "Amount (USD)"], ["recipient", "Recipient"], ["programme", "Programme"],
  ["mechanism", "Mechanism"], ["terms", "Terms"], ["metric", "Metric"], ["comparator", "Comparator"],
  ["target_percent", "Target (%)"], ["target_description", "Target"], ["baseline_percent", "Baseline (%)"],
  ["deadline", "Deadline"], ["value_percent", "Value (%)"], ["as_of", "As of"], ["rate_percent", "Rate (%)"],
  ["category", "Category"], ["outcome", "Outcome"], ["reason", "Reason"], ["summary", "Note"], ["tags", "Tags"],
  ["date_precision", "Dates exact to"], ["confidence", "Confidence"],
];
const NOT_FIELDS = new Set(["event_id", "type", "title", "sources", "corrects", "changes", "retracts", "position", "recorded_at"]);
const ENUM_FIELDS = new Set(["mechanism", "category", "comparator", "confidence", "date_precision", "status"]);
function fieldText(name, value) {
  if (value === null || value === undefined || value === "") return null;
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ") : null;
  if (name === "amount" && typeof value === "object") return `${fullAmount(value.value)} ${value.currency}`;
  if (name === "amount_usd") return `$${fullAmount(value)} (${usd(value)})`;
  if (name === "jurisdiction") return `${value} · ${jurisdictionName(value)}`;
  if (name === "measure") return MEASURE_LABEL[value] || value;
  if (name === "date_precision" && value === "day") return null;
  if (typeof value === "object") return JSON.stringify(value);
  return ENUM_FIELDS.has(name) ? String(value).replace(/_/g, " ") : String(value);
}
function humanise(name) {
  const text = name.replace(/_/g, " ");
  return text[0].toUpperCase() + text.slice(1);
}
function fieldList(fact, original) {
  const dl = el("dl", { class: "fields" });
  const names = [...FIELDS.map(([n]) => n), ...Object.keys(fact).filter((n) => !NOT_FIELDS.has(n) && !FIELDS.some(([f]) => f === n))];
  const labels = Object.fromEntries(FIELDS);
  for (const name of names) {
    const text = fieldText(name, fact[name]);
    const was = original ? fieldText(name, original[name]) : text;
    if (text === null && was === null) continue;
    const dd = el("dd", {}, text === null ? el("em", { text: "(none)" }) : text);
    if (original && JSON.stringify(fact[name]) !== JSON.stringify(original[name])) {
      dd.classList.add("corrected");
      dd.append(el("span", { class: "was", text: ` — as first recorded: ${was ?? "(none)"}` }));
    }
    dl.append(el("dt", { text: labels[name] || humanise(name) }), dd);
  }
  return dl;
}
function sourceList(sources) {
  const list = el("ul", { class: "sources" });
  for (const source of sources || []) {
    const url = safeUrl(source.url);
    if (url) {
      list.append(el("li", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: source.title || url })));
    } else {
      list.append(el("li", {}, source.title || "(untitled)", el("small", { text: " (no link: print or unpublished source)" })));
    }
  }
  return list;
}
function knownBefore(logged) {
  if (state.known.mode === "position" && state.known.position) return logged.position <= state.known.position;
  if (state.known.mode === "date" && state.known.date) return String(logged.recorded_at).slice(0, 10) <= state.known.date;
  return true;
}
let detailSeq = 0;
async function selectEvent(eventId, { focusPanel = false, reveal = false } = {}) {
  if (!eventId) return;
  const seq = ++detailSeq;
  state.selected = eventId;
  for (const mark of $("timeline").querySelectorAll("g.ev.selected")) mark.classList.remove("selected");
  if (reveal) revealEvent(eventId);
  const mark = markerFor(eventId);
  if (mark) mark.classList.add("selected");
  const bodyBox = $("details-body");
  let detail;
  try {
    detail = await getJson(`/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    if (seq === detailSeq) bodyBox.replaceChildren(el("p", { class: "hint", text: `Could not read the event: ${error.message}` }));
    return;
  }
  if (seq !== detailSeq) return;
  // With "known at" set, the fields are those the timeline showed then (the corrections
  // recorded by then applied), as the views on the page use them.
  const thenKnown = pinned() ? state.events.get(eventId) : null;
  const fact = thenKnown || detail.as_corrected || detail.event;
  const retracted = thenKnown ? false : detail.retracted;
  const applied = (detail.corrections || []).filter((c) => !thenKnown || knownBefore(c));
  const kind = kindOf(fact.type);
  const header = el("div", { class: "detail-head" },
    el("p", { class: `kind-line k-${kind}` }, kindSwatch(kind), ` ${typeLabel(fact.type)}`),
    el("h3", { id: "detail-title", tabIndex: -1, text: fact.title }));
  const notes = [];
  if (retracted) notes.push(el("p", { class: "note retracted", text: "Retracted: this event no longer counts in any view (it still shows in reads known before the retraction)." }));
  if (applied.length && !retracted) {
    notes.push(el("p", { class: "note", text: `Corrected ${applied.length} time${applied.length === 1 ? "" : "s"}${thenKnown ? " by the chosen “known at”" : ""}: fields show the corrected values, with what was first recorded.` }));
  }
  const recorded = el("p", { class: "recorded", text: `Recorded ${stamp(detail.recorded_at)} by ${detail.recorded_by} · log position ${detail.position} · event ${fact.event_id}` });
  const parts = [header, ...notes, fieldList(fact, applied.length ? detail.event : null)];
  parts.push(el("h4", { text: "Sources" }), sourceList(fact.sources));
  if ((detail.corrections || []).length) {
    const list = el("ol", { class: "corrections" });
    for (const logged of detail.corrections) {
      const c = logged.event;
      const verb = c.type === "EventRetracted" ? "Retracted" : "Corrected";
      const item = el("li", {},
        el("p", {}, el("strong", { text: `${verb} ` }), `recorded ${stamp(logged.recorded_at)} by ${logged.recorded_by} (position ${logged.position}), announced ${c.announced_on}`),
        c.reason ? el("p", { class: "reason", text: `Reason: ${c.reason}` }) : null,
        c.title ? el("p", { class: "ctitle", text: c.title }) : null);
      if (c.changes) {
        const changes = el("dl", { class: "fields changes" });
        for (const [name, value] of Object.entries(c.changes)) {
          changes.append(el("dt", { text: Object.fromEntries(FIELDS)[name] || humanise(name) }), el("dd", { text: fieldText(name, value) ?? "(none)" }));
        }
        item.append(changes);
      }
      if ((c.sources || []).length) item.append(sourceList(c.sources));
      if (!knownBefore(logged)) {
        item.classList.add("later");
        item.prepend(el("p", { class: "note", text: "Recorded after the chosen “known at”: the views on this page do not apply it." }));
      }
      list.append(item);
    }
    parts.push(el("h4", { text: "Corrections and retractions" }), list);
  }
  parts.push(recorded);
  bodyBox.replaceChildren(...parts);
  $("details").classList.add("has-event");
  if (focusPanel) $("detail-title").focus();
}

// --- reading everything again (a filter or the record time changed) ----------------------
let reloadSeq = 0;
async function reloadAll() {
  const seq = ++reloadSeq;
  writeUrl();
  try {
    const [ok, info] = await Promise.all([loadTimeline(), getJson("/views"), loadJurisdictions()]);
    state.head = Math.max(state.head, info.log_position || 0);
    if (!ok || seq !== reloadSeq) return;
    state.notShown = 0;
    if (!state.domain) state.domain = fitDomain();
    fillFilterOptions();
    showKnown();
    renderTimeline();
    await loadViews();
    openStreams(state.readPosition);
    setLive("live", liveText());
    if (state.selected) selectEvent(state.selected);
    updatePrintSummary();
    document.body.dataset.ready = "true";
  } catch (error) {
    showAlert(`Could not read the timeline: ${error.message}`);
    setLive("down", "Not connected");
  }
}

function updatePrintSummary() {
  const known = state.known.mode === "latest"
    ? `latest record (log position ${state.readPosition || state.head})`
    : state.known.mode === "position" ? `log position ${state.known.position}` : `end of ${state.known.date} (UTC)`;
  const filters = [
    state.materials.length ? `material ${state.materials.join(", ")}` : null,
    state.jurisdiction ? `jurisdiction ${state.jurisdiction}` : null,
    state.unverified ? "unverified events included" : null,
  ].filter(Boolean);
  $("print-summary").textContent = `Valid date ${longDate(state.at)} · known at ${known}${filters.length ? ` · ${filters.join(" · ")}` : ""}`;
}

// --- wiring -----------------------------------------------------------------------------
function setupControls() {
  $("toolbar").addEventListener("submit", (event) => {
    event.preventDefault();
    applyMaterial();
  });
  const range = $("at-range");
  range.addEventListener("input", () => setAt(msToIso(state.range.min + Number(range.value) * DAY_MS)));
  range.addEventListener("keydown", (event) => {
    if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      setAt(addMonths(state.at, event.key === "PageUp" ? 1 : -1));
    }
  });
  $("at-date").addEventListener("change", (event) => setAt(event.target.value, { now: true }));
  $("at-prev").addEventListener("click", () => setAt(addMonths(state.at, -1)));
  $("at-next").addEventListener("click", () => setAt(addMonths(state.at, 1)));
  $("at-today").addEventListener("click", () => setAt(todayIso(), { now: true }));

  $("known-mode").addEventListener("change", (event) => {
    const mode = event.target.value;
    if (mode === "position") state.known = { mode, position: state.known.position || state.head, date: null };
    else if (mode === "date") state.known = { mode, position: null, date: state.known.date || todayIso() };
    else state.known = { mode: "latest", position: null, date: null };
    showKnown();
    reloadSoon.now();
  });
  const knownPosition = $("known-position");
  knownPosition.addEventListener("input", () => {
    state.known.position = Number(knownPosition.value);
    showKnown();
    reloadSoon();
  });
  $("known-date").addEventListener("change", (event) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) return;
    state.known.date = event.target.value;
    reloadSoon();
  });
  $("material").addEventListener("change", applyMaterial);
  $("jurisdiction").addEventListener("change", (event) => {
    state.jurisdiction = event.target.value;
    reloadSoon.now();
  });
  $("unverified").addEventListener("change", (event) => {
    state.unverified = event.target.checked;
    reloadSoon.now();
  });
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
function applyMaterial() {
  const materials = $("material").value.split(",").map((m) => m.trim()).filter(Boolean);
  if (materials.join(",") === state.materials.join(",")) return;
  state.materials = materials;
  reloadSoon.now();
}

function start() {
  readUrl();
  $("material").value = state.materials.join(", ");
  $("unverified").checked = state.unverified;
  $("group-by").value = state.groupBy;
  setupLegend();
  setupControls();
  setupTimeline();
  setupAtRange();
  state.at = clampIso(state.at);
  showAt();
  showKnown();
  window.addEventListener("pagehide", closeStreams);
  window.addEventListener("beforeprint", () => {
    updatePrintSummary();
    renderTimeline();
  });
  reloadAll();
}

start();
