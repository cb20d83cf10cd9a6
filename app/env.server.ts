import { z } from "zod";

const booleanFlag = z
  .enum(["0", "1", "true", "false"])
  .transform((value) => value === "1" || value === "true");

/** A whole number above 0 read from the environment, or `fallback` when unset. */
function positiveInteger(fallback: number, unit: string) {
  return z.coerce
    .number()
    .int(`must be a whole number of ${unit}`)
    .min(1, `must be at least 1 (${unit})`)
    .default(fallback);
}

const envSchema = z.object({
  NODE_ENV: z
    .enum(["development", "production", "test"])
    .default("development"),
  SHOPIFY_API_KEY: z
    .string({ error: "is missing: set it to the app's client id" })
    .min(1, "is empty: set it to the app's client id"),
  SHOPIFY_API_SECRET: z
    .string({ error: "is missing: set it to the app's client secret" })
    .min(1, "is empty: set it to the app's client secret"),
  SHOPIFY_APP_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be the app's public http(s) URL, e.g. https://app.example",
    })
    .transform((url) => url.replace(/\/+$/, "")),
  SCOPES: z
    .string({ error: "is missing: set it to the comma-separated scopes" })
    .min(1, "is empty: set it to the comma-separated scopes")
    .transform((value) =>
      value
        .split(",")
        .map((scope) => scope.trim())
        .filter(Boolean),
    ),
  DATABASE_URL: z.url({
    protocol: /^postgres(ql)?$/,
    error: "must be a postgresql:// connection URL",
  }),
  SHOP_CUSTOM_DOMAIN: z.string().min(1).optional(),
  STORELENS_DEMO: booleanFlag.default(false),
  SMTP_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .url({
        protocol: /^smtps?$/,
        error:
          "must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example:587",
      })
      .optional(),
  ),
  SMTP_FROM: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^([^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, {
        error:
          'must be an address such as alerts@example.com or "Storelens <alerts@example.com>"',
      })
      .optional(),
  ),
  INGEST_MAX_IN_FLIGHT: positiveInteger(
    1000,
    "batches one server process holds while their group is written",
  ),
  INGEST_SHOP_RATE: positiveInteger(500, "batches per second per shop"),
  INGEST_SHOP_BURST: positiveInteger(1000, "batches per shop in a burst"),
  INGEST_IP_RATE: positiveInteger(50, "requests per second per client IP"),
  INGEST_IP_BURST: positiveInteger(200, "requests per client IP in a burst"),
  INGEST_WRITE_LANES: positiveInteger(
    2,
    "ingest groups one server process writes at once",
  ),
  RAW_EVENT_RETENTION_DAYS: z.coerce
    .number()
    .int("must be a whole number of days")
    .min(
      32,
      "must be at least 32 days: ingest accepts events dated up to 31 days before receipt",
    )
    .default(90),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid environment:\n${problems.map((line) => `  - ${line}`).join("\n")}`,
    );
    this.name = "EnvError";
  }
}

/**
 * Validates the process environment. Throws an `EnvError` with one line per
 * missing or invalid variable, so a bad deploy fails at start-up with all
 * problems listed at once.
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map(
        (issue) => `${issue.path.join(".")} ${issue.message}`,
      ),
    );
  }
  const env = result.data;
  if (env.STORELENS_DEMO && env.NODE_ENV === "production") {
    throw new EnvError([
      "STORELENS_DEMO cannot be on when NODE_ENV=production: demo mode serves the admin without a Shopify login",
    ]);
  }
  return env;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
