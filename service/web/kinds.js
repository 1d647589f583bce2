// Kinds of event: colour (CSS class k-<key>) and shape, so print and colour-blind readers
// can tell them apart too.

import { svg } from "./dom.js";

export const KINDS = [
  { key: "control", label: "Export control", shape: "diamond" },
  { key: "eased", label: "Control suspended / lifted", shape: "diamond" },
  { key: "enforcement", label: "Enforcement", shape: "triangle" },
  { key: "funding", label: "Funding", shape: "circle" },
  { key: "goal", label: "Self-sufficiency goal", shape: "square" },
  { key: "tariff", label: "Tariff", shape: "down" },
  { key: "policy", label: "Other policy move", shape: "pill" },
];
export const KIND_BY_KEY = Object.fromEntries(KINDS.map((k) => [k.key, k]));
export const SHAPES = {
  diamond: "M0,-7L7,0L0,7L-7,0Z",
  triangle: "M0,-7L7,5.5L-7,5.5Z",
  down: "M-7,-5.5L7,-5.5L0,7Z",
  circle: "M-6,0a6,6 0 1,0 12,0a6,6 0 1,0 -12,0",
  square: "M-5.5,-5.5h11v11h-11Z",
  pill: "M-4,-4.5h8a4.5,4.5 0 0,1 0,9h-8a4.5,4.5 0 0,1 0,-9Z",
};

export function kindOf(type) {
  if (/^ExportControl(Suspended|Lifted)$/.test(type)) return "eased";
  if (type.startsWith("ExportControl")) return "control";
  if (type.startsWith("Enforcement")) return "enforcement";
  if (type.startsWith("Funding")) return "funding";
  if (type.startsWith("Goal") || type.startsWith("SelfSufficiency")) return "goal";
  if (type.startsWith("Tariff")) return "tariff";
  return "policy";
}

export function typeLabel(type) {
  return type.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/\bExport Control\b/, "Export control");
}

export function kindSwatch(key, size = 14) {
  const kind = KIND_BY_KEY[key];
  return svg(
    "svg",
    { class: `swatch k-${key}`, width: size, height: size, viewBox: "-8 -8 16 16", "aria-hidden": "true" },
    svg("path", { d: SHAPES[kind.shape], class: "mark" }),
  );
}
