const COMPACT_USD = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 2,
});
export const FULL_NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
export function usd(decimal) {
  const n = Number(decimal);
  return Number.isFinite(n) ? COMPACT_USD.format(n) : String(decimal);
}

export function fullAmount(decimal) {
  const n = Number(decimal);
  return Number.isFinite(n) ? FULL_NUMBER.format(n) : String(decimal);
}
