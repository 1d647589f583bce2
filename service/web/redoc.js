// Starts ReDoc on /redoc, from a file because the Content-Security-Policy allows no inline
// script.

// ReDoc styles itself with styled-components, which writes its rules into the style sheet of
// a <style> element it adds. The policy (style-src 'self') gives a <style> made by a script no
// style sheet at all, so ReDoc would stop at its first component. Such elements get a
// constructed style sheet instead: rules added through the CSS object model are not inline
// markup, so the policy stays as strict here as on every other page. Only styled-components'
// own elements (data-styled) are served; any other <style> stays blocked.
const ownSheet = Object.getOwnPropertyDescriptor(HTMLStyleElement.prototype, "sheet").get;
const constructed = new WeakMap();
Object.defineProperty(HTMLStyleElement.prototype, "sheet", {
  configurable: true,
  enumerable: true,
  get() {
    const own = ownSheet.call(this);
    if (own || !this.hasAttribute("data-styled")) return own;
    let sheet = constructed.get(this);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      constructed.set(this, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    return sheet;
  },
});

// Native scrollbars: the custom ones need a stylesheet ReDoc adds as an inline <style>, which
// the policy refuses. No search box: ReDoc searches in a worker made from a blob: URL, which
// script-src 'self' refuses too, so the box would never answer (Ctrl+F still finds text).
const root = document.getElementById("redoc");
Redoc.init(root.dataset.openapiUrl, { nativeScrollbars: true, disableSearch: true }, root);
