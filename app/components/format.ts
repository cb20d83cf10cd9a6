import { currencyMinorUnits } from "~/orders/currency-digits";

// Intl.NumberFormat formats a decimal string exactly (ECMA-402 since
// NumberFormat v3, in Node 20 and current browsers), so stored amounts never
// pass through a float on their way to the screen. TypeScript's ES2022 lib
// declares only number and bigint.
type DecimalFormat = (value: number | string) => string;

/**
 * Money in the shop's currency with the currency's own minor units, e.g.
 * "€80.00", "KWD 12.345" or "¥1,200". `value` is a decimal string (exact)
 * or a number (statistics such as a mean per visit).
 */
export function formatMoney(value: string | number, currency: string): string {
  const digits = currencyMinorUnits(currency);
  const format = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format as DecimalFormat;
  return format(value);
}

/** Formats a share as a percentage with one decimal, or a dash when unknown. */
export function formatPercent(value: number | null): string {
  return value === null ? "–" : `${(value * 100).toFixed(1)}%`;
}

/** Formats a count with its noun, singular for one: "1 order", "12 orders". */
export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}
