// Load generator of `npm run bench:ingest`, run as a child process so that
// the client's CPU time is not counted against the app server's. Posts
// demo-shaped batches to the collect endpoint with a fixed number of
// requests in flight, retries 429 and 503 with the same batch id after
// Retry-After, and reports latencies and counts to the parent over IPC.
// Requests go through undici's connection pool, kept alive, one request at
// a time per connection as a browser sends them. On two cores the client's
// CPU time is taken from the server it measures, and undici costs less per
// request than node:http or fetch.
import { Pool } from "undici";
import { demoUserAgent, generateDemoTraffic } from "./lib/demo-traffic";
import type { BatchPayload } from "../app/ingest/payload-types";

export interface WorkerOptions {
  ingestUrl: string;
  origin: string;
  shop: string;
  durationMs: number;
  concurrency: number;
  seed: number;
  /**
   * Batches sent per second on a fixed schedule, whatever the responses,
   * as browsers send them. Without it the worker keeps `concurrency`
   * requests in flight.
   */
  batchesPerSecond?: number;
}

export interface WorkerReport {
  type: "report";
  /** Batches answered 200 and not marked as duplicates. */
  acceptedBatches: number;
  acceptedEvents: number;
  duplicateBatches: number;
  /** Responses 429 or 503, each followed by a retry of the same batch. */
  retries: number;
  /** Responses with any other status, with the first few bodies. */
  failures: number;
  failureSamples: string[];
  /** Wall time of every accepted batch, including its retries, in ms. */
  latenciesMs: number[];
  elapsedMs: number;
  /** CPU seconds this load generator used. */
  cpuSeconds: number;
}

export interface WorkerProgress {
  type: "progress";
  acceptedEvents: number;
  elapsedMs: number;
}

/**
 * Sessions generated before the load starts. Their batches are sent over
 * and over, each round under new ids, so that generating and serialising
 * demo traffic takes no CPU from the server during the measurement.
 */
const TEMPLATE_SESSIONS = 3000;
const MAX_RETRY_WAIT_MS = 5000;
const UUID =
  /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})[0-9a-f]{8}/g;

interface Reply {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * One generated batch as JSON text split around its ids. A round's copy
 * replaces the last eight hex digits of every id with the round number,
 * so the visits, page views and batch ids of each round are new while the
 * batches of one visit still agree with each other. The first digits stay,
 * as recording sampling reads them. `sentAt` goes last.
 */
interface BatchTemplate {
  /** Text between the ids, one more piece than `idHeads`. */
  texts: string[];
  /** Each id without its last eight hex digits. */
  idHeads: string[];
  events: number;
  userAgent: string;
}

function templateOf(batch: BatchPayload): BatchTemplate {
  const json = JSON.stringify({ ...batch, sentAt: undefined });
  const texts: string[] = [];
  const idHeads: string[] = [];
  let last = 0;
  for (const match of json.matchAll(UUID)) {
    texts.push(json.slice(last, match.index));
    idHeads.push(match[1]);
    last = match.index + match[0].length;
  }
  // Drops the closing brace, so that `sentAt` can be appended.
  texts.push(json.slice(last, -1));
  return {
    texts,
    idHeads,
    events: batch.events.length,
    userAgent: demoUserAgent(batch),
  };
}

/** Builds the body of a template for `round`, with `sentAt` set to now. */
function bodyOf(template: BatchTemplate, round: string): string {
  const { texts, idHeads } = template;
  let body = texts[0];
  for (let index = 0; index < idHeads.length; index += 1) {
    body += idHeads[index] + round + texts[index + 1];
  }
  return `${body},"sentAt":${Date.now()}}`;
}

function retryDelayMs(response: Reply, attempt: number): number {
  const header = Number(response.retryAfter);
  const fromHeader = Number.isFinite(header) && header > 0 ? header * 1000 : 0;
  const backoff = Math.min(50 * 2 ** attempt, MAX_RETRY_WAIT_MS);
  return Math.min(Math.max(fromHeader, backoff), MAX_RETRY_WAIT_MS);
}

async function run(options: WorkerOptions): Promise<WorkerReport> {
  const report: WorkerReport = {
    type: "report",
    acceptedBatches: 0,
    acceptedEvents: 0,
    duplicateBatches: 0,
    retries: 0,
    failures: 0,
    failureSamples: [],
    latenciesMs: [],
    elapsedMs: 0,
    cpuSeconds: 0,
  };
  const templates = generateDemoTraffic({
    shop: options.shop,
    sessions: TEMPLATE_SESSIONS,
    seed: options.seed,
    now: new Date(),
    days: 1,
    origin: options.origin,
  }).map(templateOf);
  // Each seed generates other ids, so the phases of a run never collide.
  let round = 0;
  let next = 0;
  const nextBatch = () => {
    if (next === templates.length) {
      next = 0;
      round += 1;
    }
    const template = templates[next++];
    return {
      template,
      body: bodyOf(template, round.toString(16).padStart(8, "0")),
    };
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.durationMs;
  const progress = setInterval(() => {
    const message: WorkerProgress = {
      type: "progress",
      acceptedEvents: report.acceptedEvents,
      elapsedMs: performance.now() - started,
    };
    process.send?.(message);
  }, 1000);

  const url = new URL(options.ingestUrl);
  const pool = new Pool(url.origin, {
    connections: options.batchesPerSecond ? null : options.concurrency,
    pipelining: 1,
  });
  const post = async (body: string, userAgent: string): Promise<Reply> => {
    const response = await pool.request({
      path: url.pathname,
      method: "POST",
      headers: {
        "content-type": "text/plain",
        origin: options.origin,
        "user-agent": userAgent,
      },
      body,
    });
    const retryAfter = response.headers["retry-after"];
    return {
      status: response.statusCode,
      retryAfter: typeof retryAfter === "string" ? retryAfter : null,
      text: await response.body.text(),
    };
  };
  const send = async ({
    template,
    body,
  }: {
    template: BatchTemplate;
    body: string;
  }) => {
    const sentAt = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      const response = await post(body, template.userAgent);
      const { text } = response;
      if (response.status === 200) {
        report.latenciesMs.push(performance.now() - sentAt);
        if ((JSON.parse(text) as { duplicate: boolean }).duplicate) {
          report.duplicateBatches += 1;
        } else {
          report.acceptedBatches += 1;
          report.acceptedEvents += template.events;
        }
        return;
      }
      if (response.status === 429 || response.status === 503) {
        report.retries += 1;
        await new Promise((resolve) =>
          setTimeout(resolve, retryDelayMs(response, attempt)),
        );
        continue;
      }
      report.failures += 1;
      if (report.failureSamples.length < 5) {
        report.failureSamples.push(`${response.status} ${text.slice(0, 300)}`);
      }
      return;
    }
  };

  const rate = options.batchesPerSecond;
  if (rate) {
    // Sends on a fixed schedule, so a late response never delays the next batch.
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    while (performance.now() < deadline) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent += 1) {
        const request = send(nextBatch()).finally(() =>
          inFlight.delete(request),
        );
        inFlight.add(request);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) await send(nextBatch());
      }),
    );
  }
  clearInterval(progress);
  await pool.close();
  report.elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return report;
}

process.once("message", (options: WorkerOptions) => {
  run(options).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
