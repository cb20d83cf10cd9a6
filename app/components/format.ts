/** Money in the shop's currency, e.g. "€80.00". */
export function formatMoney(value: string | number, currency: string): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
  }).format(Number(value));
}

/** Formats a share as a percentage with one decimal, or a dash when unknown. */
export function formatPercent(value: number | null): string {
  return value === null ? "–" : `${(value * 100).toFixed(1)}%`;
}

/** Formats a count with its noun, singular for one: "1 order", "12 orders". */
export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}
