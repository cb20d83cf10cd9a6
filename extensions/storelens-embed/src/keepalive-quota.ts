// One account of the keepalive request bodies in flight on a page, shared
// by the event transport and the recording uploader. Browsers reject a
// `keepalive` fetch once the bodies in flight would pass 64 KiB in total.

import { KEEPALIVE_MAX_BYTES } from "../../../app/ingest/payload-types";

export interface KeepaliveQuota {
  /**
   * Reserves `bytes` and returns true when the bytes in flight stay within
   * `limit` (the whole quota by default), else reserves nothing.
   */
  take(bytes: number, limit?: number): boolean;
  /** Releases a reservation once its request has settled. */
  release(bytes: number): void;
}

export function createKeepaliveQuota(): KeepaliveQuota {
  let inFlight = 0;
  return {
    take(bytes, limit = KEEPALIVE_MAX_BYTES) {
      const fits = inFlight + bytes <= limit;
      if (fits) inFlight += bytes;
      return fits;
    },
    release(bytes) {
      inFlight -= bytes;
    },
  };
}

/**
 * Storage key of the recording chunks that did not fit in the quota on
 * page exit. The core deletes them with the stored event batches when
 * consent is missing.
 */
export const UNSENT_RECORDING_KEY = "storelens:unsent-recording";
