import Decimal from "decimal.js";
import { AMOUNT_SCALE } from "./currency-digits";

// Amounts are decimals in the shop's currency ("shop money"). Shopify also
// sends every amount in the buyer's presentment currency. Those are never
// read, so two amounts of one shop can always be added.

const CURRENCY_CODE = /^[A-Z]{3}$/;
// Shopify sends amounts as decimal strings ("19.99"), and some older fields
// as JSON numbers. Exponents and signs other than a leading minus are
// rejected.
const DECIMAL_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

export interface Money {
  amount: Decimal;
  /** ISO 4217 code, e.g. `EUR`. */
  currency: string;
}

export class InvalidMoneyError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = "InvalidMoneyError";
  }
}

/** The largest amount a numeric(19, 3) amount column stores. */
const MAX_AMOUNT = new Decimal("9999999999999999.999");

/**
 * Parses an amount and its currency code. `field` names the value in error
 * messages, e.g. `total_price_set.shop_money`. Negative amounts are rejected
 * unless `allowNegative` is set, which only signed adjustments need. An
 * amount with more than AMOUNT_SCALE significant decimals is rejected, since
 * storing it would round it.
 */
export function parseMoney(
  amount: unknown,
  currency: unknown,
  field: string,
  options: { allowNegative?: boolean } = {},
): Money {
  if (currency === undefined || currency === null || currency === "") {
    throw new InvalidMoneyError(
      field,
      "has no currency code: expected the shop's ISO 4217 code, e.g. USD",
    );
  }
  if (typeof currency !== "string" || !CURRENCY_CODE.test(currency)) {
    throw new InvalidMoneyError(
      field,
      `has an invalid currency code ${JSON.stringify(currency)}: expected three capital letters, e.g. USD`,
    );
  }
  const value = parseAmount(amount, field);
  if (value.decimalPlaces() > AMOUNT_SCALE) {
    throw new InvalidMoneyError(
      field,
      `is ${value.toString()} ${currency}, with more than the ${AMOUNT_SCALE} decimals that an order amount column holds`,
    );
  }
  if (value.abs().greaterThan(MAX_AMOUNT)) {
    throw new InvalidMoneyError(
      field,
      `is ${value.toString()} ${currency}, beyond the ${MAX_AMOUNT} that an order amount column holds`,
    );
  }
  if (value.isNegative() && !value.isZero() && !options.allowNegative) {
    throw new InvalidMoneyError(
      field,
      `is negative (${value.toString()} ${currency}): amounts must be zero or more`,
    );
  }
  return { amount: value, currency };
}

function parseAmount(amount: unknown, field: string): Decimal {
  if (amount === undefined || amount === null || amount === "") {
    throw new InvalidMoneyError(field, "has no amount");
  }
  let text: string;
  if (typeof amount === "number") {
    if (!Number.isFinite(amount)) {
      throw new InvalidMoneyError(field, `has an invalid amount ${amount}`);
    }
    // String() gives the shortest text that reads back as the same double,
    // so 10.99 stays "10.99" rather than its binary expansion.
    text = String(amount);
  } else if (typeof amount === "string") {
    text = amount;
  } else {
    throw new InvalidMoneyError(
      field,
      `has an amount of type ${typeof amount}: expected a decimal string`,
    );
  }
  if (!DECIMAL_TEXT.test(text)) {
    throw new InvalidMoneyError(
      field,
      `has an invalid amount ${JSON.stringify(text)}: expected a decimal such as "19.99"`,
    );
  }
  return new Decimal(text);
}

export function zeroMoney(currency: string): Money {
  return { amount: new Decimal(0), currency };
}

function sameCurrency(a: Money, b: Money, operation: string): void {
  if (a.currency !== b.currency) {
    throw new Error(
      `Cannot ${operation} ${b.currency} and ${a.currency} amounts: every amount must be in the shop's currency`,
    );
  }
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b, "add");
  return { amount: a.amount.plus(b.amount), currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b, "subtract");
  return { amount: a.amount.minus(b.amount), currency: a.currency };
}

/** Adds amounts of one currency; an empty list sums to zero `currency`. */
export function sumMoney(items: Money[], currency: string): Money {
  return items.reduce(addMoney, zeroMoney(currency));
}

/** Formats the amount as a plain decimal string for a `numeric` column. */
export function toDecimalString(money: Money): string {
  return money.amount.toFixed();
}
