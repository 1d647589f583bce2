import { $ } from "./dom.js";
import { state } from "./state.js";

export const PAGE_LIMIT = 1000;

export function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const v of value) search.append(name, v);
    else search.set(name, String(value));
  }
  return search.toString();
}

export function filterParams() {
  return {
    material: state.materials,
    jurisdiction: state.jurisdiction || null,
    min_confidence: state.unverified ? "unverified" : null,
  };
}

export async function getJson(path, params = {}) {
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

export function showAlert(message) {
  const box = $("alert");
  box.textContent = message;
  box.hidden = !message;
}
