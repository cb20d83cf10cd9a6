import type { z } from "zod";
import type { IngestErrorBody } from "./payload-types";

/** A rejected ingest request; `toResponse` renders the one error shape. */
export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "IngestError";
  }

  /** Renders the error body with its status and headers plus `extra`. */
  toResponse(extra: Record<string, string> = {}): Response {
    return Response.json(this.body(), {
      status: this.status,
      headers: { ...extra, ...this.headers },
    });
  }

  body(): IngestErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
      },
    };
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Turns the first zod issue into an error that names the field. */
export function fromZodError(error: z.ZodError, input: unknown): IngestError {
  const issue = error.issues[0];
  const field = issue.path.map(String).join(".");
  const missing =
    issue.code === "invalid_type" && valueAt(input, issue.path) === undefined;
  const reason = missing ? "is missing" : issue.message;
  const message = field ? `${field} ${reason}` : reason;
  return new IngestError(400, "invalid_field", message, field || undefined);
}
