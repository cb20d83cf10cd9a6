// Core side of session replay: loads the recorder bundle when the server
// requests a recording and passes it each finished click. Kept tiny: the
// recorder, its privacy rules and its uploads live in recorder.ts.

import type { RecordingDirective } from "../../../app/ingest/payload-types";
import type { TrackedClick } from "./click-outcome";
import type { Identity } from "./identity";
import type { KeepaliveQuota } from "./keepalive-quota";
import { loadScript } from "./load-script";
import { guard } from "./log";

/** Options the core passes to the recorder bundle. */
export interface RecorderOptions {
  endpoint: string;
  shop: string;
  /** Current page view; a client-side navigation starts a new one. */
  page: () => string;
  directive: RecordingDirective;
  /** Called only while analytics consent is given. */
  identity: () => Identity;
  allowed: () => boolean;
  debug: boolean;
  /** Keepalive bytes in flight, shared with the core's event batches. */
  quota: KeepaliveQuota;
  /** Storage for chunks that do not fit in the quota on page exit. */
  storage: () => Storage | undefined;
}

export interface Recorder {
  /** Receives each click once its outcome window has ended. */
  click(click: TrackedClick): void;
  /** Stops for good and drops what was not sent, as on withdrawn consent. */
  stop(): void;
}

export type StartRecorder = (options: RecorderOptions) => Recorder;

interface RecorderHost {
  __storelensRecorder?: StartRecorder;
}

/**
 * Returns the core's handle on replay. `start` loads the bundle from `src`
 * once, on the first response that carries a directive; a `stop` before the
 * bundle arrives keeps it from starting.
 */
export function recordingLoader(
  src: string | undefined,
  options: Omit<RecorderOptions, "directive">,
) {
  const host = window as unknown as RecorderHost;
  let requested = false;
  let stopped = false;
  let recorder: Recorder | undefined;
  return {
    start(directive: RecordingDirective | undefined) {
      if (!directive || !src || requested || stopped) return;
      requested = true;
      const begin = guard(() => {
        const create = host.__storelensRecorder;
        if (create && !stopped && options.allowed()) {
          recorder = create({ ...options, directive });
        }
      });
      if (host.__storelensRecorder) return begin();
      loadScript(src, begin);
    },
    click(click: TrackedClick) {
      if (recorder) recorder.click(click);
    },
    stop() {
      stopped = true;
      if (recorder) recorder.stop();
    },
  };
}
