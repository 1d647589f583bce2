// Text in the language an event was published in (original_title, original_summary), marked
// with that language: browsers then pick fitting glyphs (one Han character is drawn
// differently in Chinese and Japanese) and screen readers a fitting voice. Text only, never
// markup.

import { el } from "./dom.js";

export const ORIGINAL_FIELDS = new Set(["original_title", "original_summary"]);

// The text in an element of its own with its language, or null without text.
export function inOriginal(text, language, className = "original") {
  if (!text) return null;
  return el("span", { class: className, lang: language || null, text });
}

// An event's (or an entry's) original title, to show beside its English title.
export function originalTitle(fact) {
  return fact ? inOriginal(fact.original_title, fact.original_language, "original-title") : null;
}
