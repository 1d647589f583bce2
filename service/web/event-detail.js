import { $, el, safeUrl } from "./dom.js";
import { jurisdictionName } from "./names.js";
import { stamp } from "./dates.js";
import { usd, fullAmount } from "./money.js";
import { kindOf, typeLabel, kindSwatch } from "./kinds.js";
import { state, pinned } from "./state.js";
import { getJson } from "./api.js";
import { MEASURE_LABEL } from "./controls.js";
import { markerFor } from "./timeline-svg.js";
import { revealEvent } from "./timeline-input.js";
import { ORIGINAL_FIELDS, inOriginal, originalTitle } from "./original-text.js";
import { actSection } from "./acts.js";

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
const NOT_FIELDS = new Set(["event_id", "type", "title", "original_title", "sources", "corrects", "changes", "retracts", "position", "recorded_at"]);
const ENUM_FIELDS = new Set(["mechanism", "category", "comparator", "confidence", "date_precision", "status"]);
function fieldText(name, value) {
  if (value === null || value === undefined || value === "") return null;
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ") : null;
  if (name === "amount" && typeof value === "object") return `${fullAmount(value.value)} ${value.currency}`;
  if (name === "amount_usd") return `$${fullAmount(value)} (${usd(value)})`;
  if (name === "jurisdiction") return `${value} · ${jurisdictionName(value)}`;
  if (name === "measure") return MEASURE_LABEL[value] || value;
  if (name === "date_precision" && value === "day") return null;
  if (name === "act" && typeof value === "object") return `${value.title} (${value.id})`;
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
    const shown = ORIGINAL_FIELDS.has(name) ? inOriginal(text, fact.original_language) : text;
    const dd = el("dd", {}, text === null ? el("em", { text: "(none)" }) : shown);
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
export async function selectEvent(eventId, { focusPanel = false, reveal = false } = {}) {
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
    el("h3", { id: "detail-title", tabIndex: -1, text: fact.title }),
    originalTitle(fact));
  const notes = [];
  if (retracted) notes.push(el("p", { class: "note retracted", text: "Retracted: this event no longer counts in any view (it still shows in reads known before the retraction)." }));
  if (applied.length && !retracted) {
    notes.push(el("p", { class: "note", text: `Corrected ${applied.length} time${applied.length === 1 ? "" : "s"}${thenKnown ? " by the chosen “known at”" : ""}: fields show the corrected values, with what was first recorded.` }));
  }
  const recorded = el("p", { class: "recorded", text: `Recorded ${stamp(detail.recorded_at)} by ${detail.recorded_by} · log position ${detail.position} · event ${fact.event_id}` });
  const parts = [header, ...notes, fieldList(fact, applied.length ? detail.event : null)];
  if (fact.act && !retracted) parts.push(actSection(fact.act, fact.event_id, (id) => selectEvent(id, { focusPanel: true, reveal: true })));
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
          const text = fieldText(name, value) ?? "(none)";
          const language = c.changes.original_language || fact.original_language;
          changes.append(el("dt", { text: Object.fromEntries(FIELDS)[name] || humanise(name) }), el("dd", {}, ORIGINAL_FIELDS.has(name) ? inOriginal(text, language) : text));
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
