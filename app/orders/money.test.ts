import Decimal from "decimal.js";
import {
  InvalidMoneyError,
  addMoney,
  parseMoney,
  subtractMoney,
  sumMoney,
  toDecimalString,
} from "./money";

describe("parseMoney", () => {
  it("reads decimal strings exactly", () => {
    const money = parseMoney("0.10", "EUR", "total");
    expect(money.amount.equals(new Decimal("0.1"))).toBe(true);
    expect(money.currency).toBe("EUR");
  });

  it("reads JSON numbers through their shortest text", () => {
    expect(toDecimalString(parseMoney(10.99, "USD", "total"))).toBe("10.99");
  });

  it("rejects a negative amount with the field and value", () => {
    expect(() => parseMoney("-5.00", "EUR", "total_price_set")).toThrow(
      new InvalidMoneyError(
        "total_price_set",
        "is negative (-5 EUR): amounts must be zero or more",
      ),
    );
  });

  it("accepts a negative amount where allowed", () => {
    const money = parseMoney("-5.85", "ILS", "amount_set", {
      allowNegative: true,
    });
    expect(money.amount.toFixed(2)).toBe("-5.85");
  });

  it.each([undefined, null, ""])("rejects currency %o as missing", (code) => {
    expect(() => parseMoney("1.00", code, "total")).toThrow(
      "total has no currency code: expected the shop's ISO 4217 code, e.g. USD",
    );
  });

  it.each(["usd", "EURO", 978])("rejects currency %o as invalid", (code) => {
    expect(() => parseMoney("1.00", code, "total")).toThrow(
      "has an invalid currency code",
    );
  });

  it.each(["1e3", "12,50", "abc", " 1.00", "+1", "0x10", "Infinity"])(
    "rejects amount %o",
    (amount) => {
      expect(() => parseMoney(amount, "EUR", "total")).toThrow(
        "has an invalid amount",
      );
    },
  );

  it("rejects a missing amount", () => {
    expect(() => parseMoney(undefined, "EUR", "total")).toThrow(
      "total has no amount",
    );
  });

  it.each([
    ["12.345", "KWD", "12.345"],
    ["0.005", "BHD", "0.005"],
    ["1200", "JPY", "1200"],
    ["10.10", "USD", "10.1"],
    ["7.500", "OMR", "7.5"],
    ["9999999999999999.999", "TND", "9999999999999999.999"],
  ])("keeps %s %s exactly", (amount, currency, stored) => {
    expect(toDecimalString(parseMoney(amount, currency, "total"))).toBe(stored);
  });

  it("rejects a fourth decimal instead of rounding", () => {
    expect(() => parseMoney("12.3456", "KWD", "total_price_set")).toThrow(
      new InvalidMoneyError(
        "total_price_set",
        "is 12.3456 KWD, with more than the 3 decimals that an order amount column holds",
      ),
    );
  });

  it("accepts trailing zeros past the third decimal", () => {
    expect(toDecimalString(parseMoney("1.2300", "USD", "total"))).toBe("1.23");
  });

  it("rejects an amount beyond the column", () => {
    expect(() => parseMoney("10000000000000000", "KWD", "total")).toThrow(
      "beyond the 9999999999999999.999 that an order amount column holds",
    );
  });
});

describe("money arithmetic", () => {
  const eur = (amount: string) => parseMoney(amount, "EUR", "test");

  it("adds without binary rounding", () => {
    expect(toDecimalString(addMoney(eur("0.1"), eur("0.2")))).toBe("0.3");
    const total = sumMoney(
      Array.from({ length: 10 }, () => eur("0.10")),
      "EUR",
    );
    expect(total.amount.toFixed(2)).toBe("1.00");
  });

  it("sums ten thousand fils without drift", () => {
    const fils = Array.from({ length: 10_000 }, () =>
      parseMoney("0.001", "KWD", "test"),
    );
    expect(toDecimalString(sumMoney(fils, "KWD"))).toBe("10");
    const mixed = Array.from({ length: 3_000 }, (_, index) =>
      parseMoney(["12.345", "0.005", "0.1"][index % 3], "KWD", "test"),
    );
    expect(toDecimalString(sumMoney(mixed, "KWD"))).toBe("12450");
  });

  it("sums an empty list to zero", () => {
    expect(toDecimalString(sumMoney([], "EUR"))).toBe("0");
  });

  it("never adds two currencies", () => {
    const usd = parseMoney("1.00", "USD", "test");
    expect(() => addMoney(eur("1.00"), usd)).toThrow(
      "Cannot add USD and EUR amounts",
    );
    expect(() => subtractMoney(eur("1.00"), usd)).toThrow(
      "Cannot subtract USD and EUR amounts",
    );
    expect(() => sumMoney([usd], "EUR")).toThrow("Cannot add USD and EUR");
  });
});
