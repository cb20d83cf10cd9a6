// Timing of click outcomes: keeps each click for CLICK_OUTCOME_WINDOW_MS
// and stamps the first effect of each kind that follows it. Nothing here
// touches the DOM, and the clock is injected, so unit tests can drive it
// with fake timers. click-effects.ts feeds it the page's events.

import {
  CLICK_OUTCOME_WINDOW_MS,
  type ClickOutcome,
  type ClickPayload,
} from "../../../app/ingest/payload-types";
import { guard } from "./log";

export type EffectField =
  | "domChangeMs"
  | "scrollMs"
  | "selectionChangeMs"
  | "navigationMs"
  | "visibilityChangeMs"
  | "focusChangeMs";

/** A click with its outcome, whose times start as null. */
export type TrackedClick = ClickPayload & { outcome: ClickOutcome };

export interface OutcomeTimerOptions {
  /** Monotonic clock in milliseconds, such as `performance.now`. */
  now: () => number;
  /** Receives each click once, when its window ends or on `finishAll`. */
  onDone: (click: TrackedClick) => void;
  windowMs?: number;
}

export interface OutcomeTimer {
  track(click: TrackedClick): void;
  /** Stamps an effect of one kind on every click still in its window. */
  note(field: EffectField): void;
  /** Ends every window now, as on page exit. */
  finishAll(): void;
  /** Number of clicks still waiting for their window to end. */
  pending(): number;
}

interface Waiting {
  click: TrackedClick;
  startedAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Builds the outcome of a click before any effect is seen. */
export function emptyOutcome(
  base: Pick<ClickOutcome, "targetKind" | "opensNewTab" | "hidden">,
): ClickOutcome {
  return {
    ...base,
    domChangeMs: null,
    scrollMs: null,
    selectionChangeMs: null,
    navigationMs: null,
    visibilityChangeMs: null,
    focusChangeMs: null,
  };
}

export function createOutcomeTimer(options: OutcomeTimerOptions): OutcomeTimer {
  const windowMs = options.windowMs ?? CLICK_OUTCOME_WINDOW_MS;
  let waiting: Waiting[] = [];

  function finish(entry: Waiting) {
    clearTimeout(entry.timer);
    waiting = waiting.filter((other) => other !== entry);
    options.onDone(entry.click);
  }

  return {
    track(click) {
      const entry: Waiting = {
        click,
        startedAt: options.now(),
        timer: setTimeout(
          guard(() => finish(entry)),
          windowMs,
        ),
      };
      waiting.push(entry);
    },
    note(field) {
      const now = options.now();
      for (const entry of waiting) {
        const elapsed = Math.max(0, Math.round(now - entry.startedAt));
        // A timer can fire late, so an effect past the window is skipped.
        if (entry.click.outcome[field] === null && elapsed <= windowMs) {
          entry.click.outcome[field] = elapsed;
        }
      }
    },
    finishAll() {
      waiting.slice().forEach(guard(finish));
    },
    pending: () => waiting.length,
  };
}
