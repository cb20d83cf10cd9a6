import { EnvError, parseEnv } from "./env.server";

const VALID = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example/",
  SCOPES: "read_orders, write_pixels",
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/storelens",
};

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  it("accepts a complete environment", () => {
    const env = parseEnv(VALID);
    expect(env.SHOPIFY_APP_URL).toBe("https://app.example");
    expect(env.SCOPES).toEqual(["read_orders", "write_pixels"]);
    expect(env.STORELENS_DEMO).toBe(false);
  });

  it("lists every missing variable, one line each", () => {
    const lines = problems({});
    expect(lines).toHaveLength(5);
    expect(lines).toContain(
      "SHOPIFY_API_KEY is missing: set it to the app's client id",
    );
    expect(lines.some((line) => line.startsWith("DATABASE_URL "))).toBe(true);
  });

  it("rejects an empty secret rather than defaulting it", () => {
    expect(problems({ ...VALID, SHOPIFY_API_SECRET: "" })).toEqual([
      "SHOPIFY_API_SECRET is empty: set it to the app's client secret",
    ]);
  });

  it("rejects a database URL of another scheme", () => {
    expect(problems({ ...VALID, DATABASE_URL: "mysql://x@y/z" })).toEqual([
      "DATABASE_URL must be a postgresql:// connection URL",
    ]);
  });

  it("rejects an app URL that is not http(s)", () => {
    const lines = problems({ ...VALID, SHOPIFY_APP_URL: "ftp://x" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^SHOPIFY_APP_URL must be/);
  });

  it("accepts an SMTP URL and sender, and treats empty as unset", () => {
    const env = parseEnv({
      ...VALID,
      SMTP_URL: "smtp://user:pass@127.0.0.1:2525",
      SMTP_FROM: "Storelens <alerts@app.example>",
    });
    expect(env.SMTP_URL).toBe("smtp://user:pass@127.0.0.1:2525");
    expect(env.SMTP_FROM).toBe("Storelens <alerts@app.example>");
    expect(parseEnv({ ...VALID, SMTP_URL: "" }).SMTP_URL).toBeUndefined();
  });

  it("rejects an SMTP URL of another scheme and a bad sender", () => {
    const lines = problems({
      ...VALID,
      SMTP_URL: "http://mail.example",
      SMTP_FROM: "not an address",
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SMTP_URL must be an smtp:\/\/ or smtps:\/\//);
    expect(lines[1]).toMatch(/^SMTP_FROM must be an address/);
  });

  it("refuses demo mode in production", () => {
    const lines = problems({
      ...VALID,
      STORELENS_DEMO: "1",
      NODE_ENV: "production",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^STORELENS_DEMO cannot be on when NODE_ENV=production/,
    );
  });

  it("rejects an unknown demo flag value", () => {
    expect(problems({ ...VALID, STORELENS_DEMO: "yes" })).toHaveLength(1);
  });

  it("defaults raw event retention to 90 days", () => {
    expect(parseEnv(VALID).RAW_EVENT_RETENTION_DAYS).toBe(90);
    expect(
      parseEnv({ ...VALID, RAW_EVENT_RETENTION_DAYS: "400" })
        .RAW_EVENT_RETENTION_DAYS,
    ).toBe(400);
  });

  it("rejects a retention shorter than ingest's window", () => {
    expect(problems({ ...VALID, RAW_EVENT_RETENTION_DAYS: "30" })).toEqual([
      "RAW_EVENT_RETENTION_DAYS must be at least 32 days: ingest accepts events dated up to 31 days before receipt",
    ]);
    expect(problems({ ...VALID, RAW_EVENT_RETENTION_DAYS: "45.5" })).toEqual([
      "RAW_EVENT_RETENTION_DAYS must be a whole number of days",
    ]);
  });
});
