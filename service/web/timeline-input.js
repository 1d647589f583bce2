import { $, el } from "./dom.js";
import { DAY_MS, isoToMs, msToIso } from "./dates.js";
import { KINDS, kindSwatch } from "./kinds.js";
import { state } from "./state.js";
import { setAt } from "./valid-date.js";
import { geometry, fitDomain, renderTimeline, markerFor } from "./timeline-svg.js";
import { selectEvent } from "./event-detail.js";

const MIN_SPAN = 20 * DAY_MS;
const MAX_SPAN = 16 * 365 * DAY_MS;

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

export function revealEvent(eventId) {
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

export function setupTimeline() {
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

export function setupLegend() {
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
