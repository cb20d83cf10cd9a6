import { currencyMinorUnits } from "~/orders/currency-digits";
import { formatMoney } from "./format";

describe("currencyMinorUnits", () => {
  it.each([
    ["KWD", 3],
    ["BHD", 3],
    ["JOD", 3],
    ["OMR", 3],
    ["TND", 3],
    ["LYD", 3],
    ["IQD", 3],
    ["JPY", 0],
    ["KRW", 0],
    ["USD", 2],
    ["EUR", 2],
  ])("gives %s %i digits", (currency, digits) => {
    expect(currencyMinorUnits(currency)).toBe(digits);
  });
});

// Intl puts a no-break space (U+00A0) between a currency code and the
// amount.
describe("formatMoney", () => {
  it.each([
    ["12.345", "KWD", "KWD\u00a012.345"],
    ["12.340", "KWD", "KWD\u00a012.340"],
    ["0.005", "BHD", "BHD\u00a00.005"],
    ["1234.5", "JOD", "JOD\u00a01,234.500"],
    ["12.345", "IQD", "IQD\u00a012.345"],
    ["1200", "JPY", "¥1,200"],
    ["1200.00", "JPY", "¥1,200"],
    ["150000", "KRW", "₩150,000"],
    ["10.10", "USD", "$10.10"],
    ["10.1", "USD", "$10.10"],
    ["80", "EUR", "€80.00"],
    ["0", "KWD", "KWD\u00a00.000"],
  ])("shows %s %s as %s", (value, currency, shown) => {
    expect(formatMoney(value, currency)).toBe(shown);
  });

  it("formats a large decimal string without a float", () => {
    expect(formatMoney("9999999999999999.999", "KWD")).toBe(
      "KWD\u00a09,999,999,999,999,999.999",
    );
    expect(formatMoney("9007199254740993.01", "USD")).toBe(
      "$9,007,199,254,740,993.01",
    );
  });

  it("rounds a per-visit mean to the currency's digits", () => {
    expect(formatMoney("0.1234565", "KWD")).toBe("KWD\u00a00.123");
    expect(formatMoney(2.5, "JPY")).toBe("¥3");
    expect(formatMoney(1 / 3, "USD")).toBe("$0.33");
  });
});
