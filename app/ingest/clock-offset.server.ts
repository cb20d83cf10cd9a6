// Device clock correction. Every batch carries `sentAt` on the browser's
// clock, and the server notes its receipt time. Their difference is the
// device's clock offset plus that request's network and queueing delay.
// Delay is never negative, so the smallest difference seen from a device
// over a recent window is the best estimate of its offset: one slow request
// (a retry, a congested network) cannot shift that device's events.
//
// Session replay uses the same estimate. The recording endpoint calls
// `observe` with its chunk's `sentAt` and receipt time, then passes each
// recorded timestamp through `correctClientTime` with the returned offset.
// Replay frames and click events of one device then share one timeline.

/** Observations older than this are forgotten, so a corrected device clock is picked up. */
export const OFFSET_WINDOW_MS = 10 * 60 * 1000;
/** Observations kept per device; the oldest go first. */
const MAX_OBSERVATIONS = 16;
/** Devices remembered per server process; the least recently seen go first. */
const MAX_DEVICES = 100_000;

interface Observation {
  /** Receipt time minus `sentAt`, in ms. */
  offsetMs: number;
  /** Receipt time on the server clock, epoch ms. */
  receivedAt: number;
}

/**
 * Returns the smallest offset among observations received within
 * `OFFSET_WINDOW_MS` before `now`, or null when there is none.
 */
export function estimateOffset(
  observations: readonly Observation[],
  now: number,
): number | null {
  let best: number | null = null;
  for (const observation of observations) {
    if (now - observation.receivedAt > OFFSET_WINDOW_MS) continue;
    if (best === null || observation.offsetMs < best) {
      best = observation.offsetMs;
    }
  }
  return best;
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

/**
 * Recent clock observations per device (shop and visitor id), in process
 * memory.
 * NOTE: each server process keeps its own observations, so with several
 * processes a device's estimate rests on the batches that reached this
 * one. The estimate stays an upper bound of the true offset either way.
 */
export class DeviceClockOffsets {
  private readonly devices = new Map<string, Observation[]>();

  constructor(private readonly maxDevices = MAX_DEVICES) {}

  /**
   * Records one batch's `sentAt` and receipt time and returns the device's
   * offset estimate in ms, this observation included.
   */
  observe(device: string, sentAt: number, receivedAt: number): number {
    const observations = this.devices.get(device) ?? [];
    // Re-inserting moves the device to the end, the most recently seen.
    this.devices.delete(device);
    const kept = observations.filter(
      (observation) => receivedAt - observation.receivedAt <= OFFSET_WINDOW_MS,
    );
    kept.push({ offsetMs: receivedAt - sentAt, receivedAt });
    if (kept.length > MAX_OBSERVATIONS) kept.shift();
    this.devices.set(device, kept);
    if (this.devices.size > this.maxDevices) {
      const oldest = this.devices.keys().next();
      if (!oldest.done) this.devices.delete(oldest.value);
    }
    return estimateOffset(kept, receivedAt)!;
  }

  get size(): number {
    return this.devices.size;
  }
}
