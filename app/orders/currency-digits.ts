// Minor units (digits after the decimal point) of each currency, from the
// ISO 4217 list. Intl's own defaults come from CLDR, which differs for a
// few currencies (CLDR gives the Iraqi dinar 0 digits, ISO 4217 gives it 3),
// so display code passes these digits to Intl.NumberFormat explicitly.

/** Decimals that amount columns keep: enough for the three-digit currencies. */
export const AMOUNT_SCALE = 3;

const ZERO_DIGIT_CURRENCIES = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "ISK",
  "JPY",
  "KMF",
  "KRW",
  "PYG",
  "RWF",
  "UGX",
  "UYI",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);

const THREE_DIGIT_CURRENCIES = new Set([
  "BHD",
  "IQD",
  "JOD",
  "KWD",
  "LYD",
  "OMR",
  "TND",
]);

/**
 * Returns the ISO 4217 minor units of `currency`: 0 for JPY, 3 for KWD and
 * 2 for every currency not listed here.
 */
export function currencyMinorUnits(currency: string): number {
  if (ZERO_DIGIT_CURRENCIES.has(currency)) return 0;
  if (THREE_DIGIT_CURRENCIES.has(currency)) return 3;
  return 2;
}
