// The act an event is a measure of, in the event panel: the act's title and every measure it
// holds (events of one or more policies), each with its policy's status on the page's valid
// date as known at the page's record time (GET /acts/{id}). Text goes in only as textContent.
import { el } from "./dom.js";
import { longDate } from "./dates.js";
import { typeLabel } from "./kinds.js";
import { state, knownAtParam } from "./state.js";
import { getJson } from "./api.js";

function statusText(status) {
  if (!status) return "no status view";
  const text = status.replace(/_/g, " ");
  return text[0].toUpperCase() + text.slice(1);
}

function measureItem(measure, currentId, open) {
  const here = measure.event_id === currentId;
  const title = here
    ? el("span", { class: "act-title", text: measure.title })
    : el("button", { type: "button", class: "linkish act-title", text: measure.title, "data-event-id": measure.event_id });
  if (!here) title.addEventListener("click", () => open(measure.event_id));
  const badge = el("span", {
    class: `badge act-status s-${measure.status || "none"}`,
    text: statusText(measure.status),
  });
  const facts = el("small", { text: `${measure.policy_id} · ${typeLabel(measure.type)} · announced ${measure.announced_on}${here ? " · this event" : ""}` });
  return el("li", {
    "data-event-id": measure.event_id,
    "data-policy-id": measure.policy_id,
    "data-status": measure.status || "",
    "aria-current": here ? "true" : null,
  }, badge, " ", title, facts);
}

// The section for ``act`` ({id, title}) of the event ``currentId``; its measures fill in when
// read. ``open(eventId)`` shows another measure's event in the panel.
export function actSection(act, currentId, open) {
  const at = state.at;
  const list = el("ol", { class: "act-measures", "aria-busy": "true" });
  const heading = el("h4", { text: `Measures of this act on ${longDate(at)}` });
  const section = el("section", { class: "act", "data-act-id": act.id },
    el("p", { class: "act-of" }, "Measure of ", el("strong", { text: act.title })),
    heading, list);
  fillMeasures(act.id, at, currentId, open, list, heading);
  return section;
}

async function fillMeasures(actId, at, currentId, open, list, heading) {
  try {
    const body = await getJson(`/acts/${encodeURIComponent(actId)}`, { at, known_at: knownAtParam() });
    const count = body.measures.length;
    heading.textContent = `${count} measure${count === 1 ? "" : "s"} of this act on ${longDate(body.at)}`;
    list.replaceChildren(...body.measures.map((m) => measureItem(m, currentId, open)));
  } catch (error) {
    list.replaceChildren(el("li", { class: "hint", text: `Could not read the act's measures: ${error.message}` }));
  } finally {
    list.removeAttribute("aria-busy");
  }
}
