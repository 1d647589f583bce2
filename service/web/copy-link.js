// "Copy link": the page's address with its record time pinned to the log position it shows,
// so that the link opens on the same answers later, whatever has been recorded since (the
// address bar keeps "latest" as "latest", which moves on).
import { $, el } from "./dom.js";
import { state, pageParams } from "./state.js";

export function pinnedPosition() {
  if (state.known.mode === "position" && state.known.position) return state.known.position;
  return state.readPosition || state.head;
}

export function permalinkHref() {
  const params = pageParams(`position=${pinnedPosition()}`);
  return `${location.origin}${location.pathname}?${params}`;
}

export function setupCopyLink() {
  $("copy-link").addEventListener("click", async () => {
    const href = permalinkHref();
    const out = $("copy-link-out");
    let said = `Link pinned to log position ${pinnedPosition()}`;
    try {
      await navigator.clipboard.writeText(href);
      said += " copied";
    } catch {
      said += " (copy it from here)"; // no clipboard (insecure origin, permission refused)
    }
    out.replaceChildren(el("a", { href, id: "copy-link-href", text: said }));
  });
}
