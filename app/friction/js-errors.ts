import type { JsErrorRow } from "./types";

// Algorithm: normalise each message so that occurrences of one bug read the
// same (URLs, long hex ids and numbers become placeholders, whitespace
// collapses), then group by normalised message and page path, counting
// occurrences and distinct sessions.

/** Cap on a normalised message, so one huge message cannot bloat a report row. */
export const JS_ERROR_MESSAGE_MAX_LENGTH = 300;

const URL_PATTERN = /\b(?:https?|wss?|blob|data):\/?\/?[^\s'"`)]+/gi;
/** UUIDs and hashes: eight or more hex digits holding at least one digit. */
const HEX_ID_PATTERN = /\b(?=[0-9a-f-]*\d)[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b/gi;
const NUMBER_PATTERN = /\d+(?:\.\d+)?/g;

export interface JsErrorGroup {
  /** Normalised message shared by every error of the group. */
  message: string;
  path: string;
  count: number;
  sessions: number;
  firstAt: number;
  lastAt: number;
}

/** Normalises an error message so repeats of one bug compare equal. */
export function normaliseErrorMessage(message: string): string {
  return message
    .replace(URL_PATTERN, "<url>")
    .replace(HEX_ID_PATTERN, "<id>")
    .replace(NUMBER_PATTERN, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, JS_ERROR_MESSAGE_MAX_LENGTH);
}

/** Groups errors by normalised message and path, most sessions first. */
export function groupJsErrors(errors: JsErrorRow[]): JsErrorGroup[] {
  const groups = new Map<string, JsErrorGroup & { sessionIds: Set<string> }>();
  for (const error of errors) {
    const message = normaliseErrorMessage(error.message);
    const key = `${message}\u0000${error.path}`;
    const group = groups.get(key) ?? {
      message,
      path: error.path,
      count: 0,
      sessions: 0,
      firstAt: error.at,
      lastAt: error.at,
      sessionIds: new Set<string>(),
    };
    group.count += 1;
    group.sessionIds.add(error.sessionId);
    group.sessions = group.sessionIds.size;
    group.firstAt = Math.min(group.firstAt, error.at);
    group.lastAt = Math.max(group.lastAt, error.at);
    groups.set(key, group);
  }

  return [...groups.values()]
    .map(({ sessionIds: _sessionIds, ...group }) => group)
    .sort(
      (a, b) =>
        b.sessions - a.sessions ||
        b.count - a.count ||
        a.message.localeCompare(b.message) ||
        a.path.localeCompare(b.path),
    );
}
