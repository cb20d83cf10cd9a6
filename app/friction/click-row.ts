import type { ClickOutcome } from "../ingest/payload-types";
import type { ClickRow } from "./types";

/**
 * Converts a click and its measured outcome to the detectors' row. Shared by
 * the background job and the storefront recorder, so both judge a click the
 * same way. A click made while the page was hidden gets a hidden period
 * around it.
 */
export function clickRowOf(
  click: Pick<
    ClickRow,
    "sessionId" | "pageViewId" | "at" | "x" | "y" | "selector"
  >,
  outcome: ClickOutcome,
): ClickRow {
  const at = click.at;
  const after = (ms: number | null) => (ms === null ? null : at + ms);
  return {
    ...click,
    targetKind: outcome.targetKind,
    opensNewTab: outcome.opensNewTab,
    domChangeAt: after(outcome.domChangeMs),
    scrollAt: after(outcome.scrollMs),
    selectionChangeAt: after(outcome.selectionChangeMs),
    navigationAt: after(outcome.navigationMs),
    visibilityChangeAt: after(outcome.visibilityChangeMs),
    focusChangeAt: after(outcome.focusChangeMs),
    hiddenIntervals: outcome.hidden ? [[at - 1, at + 1]] : [],
  };
}
