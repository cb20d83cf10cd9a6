// Device clock correction. Every batch carries `sentAt` on the browser's
// clock, and the server notes its receipt time. Their difference is the
// device's clock offset plus that request's network and queueing delay.
// Delay is never negative, so the smallest difference seen from a visit
// over a recent window is the best estimate of its offset: one slow request
// (a retry, a congested network) cannot shift that visit's events.
//
// The estimate lives on the visit's row (VisitorSession.clockOffsetMs and
// clockObservedAt), so every server process and the recording endpoint
// share it, and it costs no memory per device.

/**
 * Age after which an estimate gives way to the next observation, so a
 * corrected device clock is picked up.
 */
export const OFFSET_WINDOW_MS = 10 * 60 * 1000;

/** A visit's clock offset estimate and the receipt time it was observed at. */
export interface ClockEstimate {
  /** Receipt time minus `sentAt`, in ms. */
  offsetMs: number;
  /** Receipt time on the server clock, epoch ms. */
  observedAt: number;
}

/**
 * Folds one request's `sentAt` and receipt time into the visit's estimate:
 * the smaller offset wins while the stored one is within `OFFSET_WINDOW_MS`,
 * and after that the new observation replaces it.
 */
export function observeClock(
  previous: ClockEstimate | null,
  sentAt: number,
  receivedAt: number,
): ClockEstimate {
  const offsetMs = receivedAt - sentAt;
  if (
    previous &&
    receivedAt - previous.observedAt <= OFFSET_WINDOW_MS &&
    previous.offsetMs <= offsetMs
  ) {
    return previous;
  }
  return { offsetMs, observedAt: receivedAt };
}

/** Reads a visit's stored estimate from its two columns, null if it has none. */
export function storedClock(row: {
  clockOffsetMs: number | null;
  clockObservedAt: Date | null;
}): ClockEstimate | null {
  if (row.clockOffsetMs === null || row.clockObservedAt === null) return null;
  return {
    offsetMs: row.clockOffsetMs,
    observedAt: row.clockObservedAt.getTime(),
  };
}

/**
 * Maximum age of a corrected event time, in days. Live scripts send within
 * seconds and retry for minutes. A month keeps the days of replayed
 * recorded traffic (the demo seeder), while a broken clock can no longer
 * date an event decades back.
 */
export const MAX_EVENT_AGE_DAYS = 31;
const MAX_EVENT_AGE_MS = MAX_EVENT_AGE_DAYS * 24 * 60 * 60 * 1000;

/**
 * Returns a function that moves a browser timestamp onto the server clock
 * by `clock`'s offset and clamps it to the month before `receivedAt`.
 */
export function clockCorrection(clock: ClockEstimate, receivedAt: Date) {
  const latest = receivedAt.getTime();
  const bounds = { earliest: latest - MAX_EVENT_AGE_MS, latest };
  return (at: number) => correctClientTime(at, clock.offsetMs, bounds);
}

/**
 * Shifts a browser timestamp onto the server clock and clamps it to
 * [earliest, latest]: an event is never dated after its receipt.
 */
export function correctClientTime(
  clientAt: number,
  offsetMs: number,
  bounds: { earliest: number; latest: number },
): Date {
  return new Date(
    Math.min(Math.max(clientAt + offsetMs, bounds.earliest), bounds.latest),
  );
}
