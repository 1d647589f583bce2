// Charts over time, from GET /views/<view>/counts: export controls in force by jurisdiction,
// and the funding standing at each period end by agency. Drawn with Chart.js (vendored in
// /static/vendor/chart.js/, loaded by a plain <script> before the page's modules, so it is
// the global `Chart`). Each chart has a text alternative: its canvas is an image labelled
// with a summary, and the numbers are in a table under it. API text goes in as textContent.

import { $, el } from "./dom.js";
import { MONTH, shortDate, msToIso } from "./dates.js";
import { jurisdictionName } from "./names.js";
import { usd, fullAmount } from "./money.js";
import { state, knownAtParam } from "./state.js";
import { filterParams, getJson, showAlert } from "./api.js";

// The bundled timeline starts in 2020; the charts run from then to the valid date.
export const CHARTS_FROM = "2020-01-01";
const BUCKET_MONTHS = { month: 1, quarter: 3, year: 12 };
// Okabe–Ito and the page's own kind colours: told apart with colour-blindness too.
const PALETTE = ["#d55e00", "#0072b2", "#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#8c5a2b", "#6b7684", "#b8508f", "#1c2530"];

const CHARTS = {
  controls: {
    view: "active-export-controls",
    by: "jurisdiction",
    params: { status: "in_force" },
    type: "bar",
    value: (item) => item.count,
    keyLabel: (key) => (key ? `${key} · ${jurisdictionName(key)}` : "(none)"),
    cell: (item) => String(item.count),
    axis: (value) => String(value),
    empty: "No export control in force at any period end with these filters.",
  },
  funding: {
    view: "funding",
    by: "agency",
    params: {},
    type: "line",
    value: (item) => Number(item.total_usd),
    keyLabel: (key) => key || "(none)",
    cell: (item) => `${usd(item.total_usd)} (${item.count})`,
    axis: (value) => usd(value),
    empty: "No funding standing at any period end with these filters.",
  },
};

let bucket = "quarter";
let chartsSeq = 0;
const drawn = new Map(); // chart name -> Chart instance
const colours = new Map(); // chart name -> (key -> colour): a key keeps its colour while the page is open

export function setupCharts() {
  if (typeof window.Chart === "function") {
    // The page's own type and ink, not the library's defaults.
    const page = getComputedStyle(document.documentElement);
    window.Chart.defaults.font.family = page.fontFamily;
    window.Chart.defaults.color = page.getPropertyValue("--muted").trim() || "#5b6775";
  }
  const select = $("chart-bucket");
  select.value = bucket;
  select.addEventListener("change", (event) => {
    bucket = event.target.value;
    loadCharts().catch((error) => showAlert(`Could not read the counts: ${error.message}`));
  });
}

export async function loadCharts(minPosition) {
  const seq = ++chartsSeq;
  const to = state.at < CHARTS_FROM ? CHARTS_FROM : state.at;
  const common = {
    ...filterParams(),
    bucket,
    from: CHARTS_FROM,
    to,
    known_at: knownAtParam(),
    min_position: minPosition,
  };
  const names = Object.keys(CHARTS);
  const bodies = await Promise.all(
    names.map((name) => getJson(`/views/${CHARTS[name].view}/counts`, { ...common, by: CHARTS[name].by, ...CHARTS[name].params })),
  );
  if (seq !== chartsSeq) return;
  names.forEach((name, index) => drawChart(name, bodies[index]));
  const section = $("charts-section");
  section.dataset.bucket = bodies[0].bucket;
  section.dataset.to = bodies[0].to;
  section.dataset.position = bodies[0].position;
}

// The last day of each calendar period meeting [from, to], the last one `to` itself: the
// period ends the API counted at (a period with nothing standing has no item).
export function periodEnds(from, to, size) {
  const months = BUCKET_MONTHS[size];
  const period = (iso) => Math.floor((Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1) / months);
  const ends = [];
  for (let p = period(from); p < period(to); p += 1) {
    const last = p * months + months - 1;
    ends.push(msToIso(Date.UTC(Math.floor(last / 12), (last % 12) + 1, 0)));
  }
  ends.push(to);
  return ends;
}

function periodLabel(iso, size, last) {
  if (last) return shortDate(iso);
  const year = iso.slice(0, 4);
  if (size === "year") return year;
  const month = Number(iso.slice(5, 7));
  if (size === "quarter") return `Q${Math.ceil(month / 3)} ${year}`;
  return `${MONTH.format(new Date(`${iso}T00:00:00Z`))} ${year}`;
}

function colourOf(name, key) {
  if (!colours.has(name)) colours.set(name, new Map());
  const mine = colours.get(name);
  if (!mine.has(key)) mine.set(key, PALETTE[mine.size % PALETTE.length]);
  return mine.get(key);
}

function drawChart(name, body) {
  const spec = CHARTS[name];
  const ends = periodEnds(body.from, body.to, body.bucket);
  const keys = [...new Set(body.items.map((item) => item.key))];
  const at = new Map(body.items.map((item) => [`${item.period_end}\u0000${item.key}`, item]));
  const datasets = keys.map((key) => {
    const colour = colourOf(name, key);
    return {
      label: spec.keyLabel(key),
      key,
      data: ends.map((end) => {
        const item = at.get(`${end}\u0000${key}`);
        return item ? spec.value(item) : 0;
      }),
      backgroundColor: spec.type === "line" ? `${colour}66` : colour,
      borderColor: colour,
      borderWidth: spec.type === "line" ? 1.5 : 0,
      fill: spec.type === "line" ? "stack" : false,
      pointRadius: 0,
    };
  });
  showSummary(name, spec, body, keys);
  showTable(name, spec, body, ends, keys, at);
  const canvas = $(`${name}-chart`);
  canvas.setAttribute("aria-label", `${$(`${name}-chart-title`).textContent}. ${$(`${name}-chart-summary`).textContent}`);
  if (typeof window.Chart !== "function") return; // the library did not load: the table stays
  const labels = ends;
  const existing = drawn.get(name);
  if (existing) {
    existing.data = { labels, datasets };
    existing.options.scales.x.ticks.callback = tickCallback(ends, body.bucket);
    existing.update("none");
    return;
  }
  drawn.set(name, new window.Chart(canvas, {
    type: spec.type,
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { callback: tickCallback(ends, body.bucket), maxRotation: 0, autoSkipPadding: 8 } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (value) => spec.axis(value), precision: 0 } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10, font: { size: 11 } } },
        tooltip: {
          callbacks: {
            title: (points) => (points.length ? `on ${shortDate(points[0].label)}` : ""),
            label: (point) => {
              const item = at.get(`${point.label}\u0000${point.dataset.key}`);
              return item ? `${point.dataset.label}: ${spec.cell(item)}` : `${point.dataset.label}: 0`;
            },
          },
        },
      },
    },
  }));
}

function tickCallback(ends, size) {
  return (value, index) => periodLabel(ends[index], size, index === ends.length - 1);
}

function showSummary(name, spec, body, keys) {
  const last = body.items.filter((item) => item.period_end === body.to);
  const where = `on ${shortDate(body.to)}`;
  let text;
  if (!body.items.length) text = spec.empty;
  else if (name === "funding") {
    const total = last.reduce((sum, item) => sum + Number(item.total_usd), 0);
    const count = last.reduce((sum, item) => sum + item.count, 0);
    text = `${usd(total)} standing ${where}: ${count} commitment${count === 1 ? "" : "s"} of ${last.length} agenc${last.length === 1 ? "y" : "ies"}, each in US dollars as its source gives it (a commitment without a dollar figure adds nothing)`;
  } else {
    const count = last.reduce((sum, item) => sum + item.count, 0);
    const parts = last.map((item) => `${item.key} ${item.count}`).join(", ");
    text = `${count} in force ${where}${parts ? ` (${parts})` : ""}; ${keys.length} jurisdiction${keys.length === 1 ? "" : "s"} since ${shortDate(body.from)}`;
  }
  $(`${name}-chart-summary`).textContent = text;
}

// The chart's numbers as a table: a row per period end, a column per key.
function showTable(name, spec, body, ends, keys, at) {
  const table = $(`${name}-chart-table`);
  const head = el("tr", {}, el("th", { scope: "col", text: "Period end" }), keys.map((key) => el("th", { scope: "col", text: spec.keyLabel(key) })));
  const rows = ends.map((end) => el("tr", {},
    el("th", { scope: "row", text: end }),
    keys.map((key) => {
      const item = at.get(`${end}\u0000${key}`);
      return el("td", { class: "num", text: item ? spec.cell(item) : "0", title: item && item.total_usd ? `$${fullAmount(item.total_usd)}` : null });
    })));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...rows);
}
