import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import {
  OFFSET_WINDOW_MS,
  correctClientTime,
  observeClock,
  storedClock,
} from "./clock-offset.server";
import { handleBatch } from "./handle-batch.server";
import { IngestWriter } from "./ingest-writer.server";

const SHOP = "clocks.myshopify.com";
const logger = pino({ level: "silent" });

describe("observeClock", () => {
  it("keeps the smallest recent offset", () => {
    let clock = observeClock(null, T0, T0 + 3_200);
    clock = observeClock(clock, T0 + 30_000, T0 + 33_050);
    clock = observeClock(clock, T0 + 60_000, T0 + 69_000);
    expect(clock).toEqual({ offsetMs: 3_050, observedAt: T0 + 33_050 });
  });

  it("keeps a slow request from shifting events", () => {
    const fast = observeClock(null, T0, T0 + 80);
    expect(observeClock(fast, T0 + 1_000, T0 + 8_000).offsetMs).toBe(80);
  });

  it("follows a corrected clock after the window", () => {
    // The device clock ran an hour ahead, then was corrected.
    const old = observeClock(null, T0 + 3_600_000, T0);
    const later = T0 + OFFSET_WINDOW_MS + 1;
    expect(observeClock(old, later, later + 40)).toEqual({
      offsetMs: 40,
      observedAt: later + 40,
    });
    // Within the window the old, smaller estimate still wins.
    expect(observeClock(old, T0 + 1_000, T0 + 1_040)).toBe(old);
  });

  it("reads no estimate from empty columns", () => {
    expect(storedClock({ clockOffsetMs: null, clockObservedAt: null })).toBe(
      null,
    );
    expect(
      storedClock({ clockOffsetMs: -250.5, clockObservedAt: new Date(T0) }),
    ).toEqual({ offsetMs: -250.5, observedAt: T0 });
  });
});

describe("correctClientTime", () => {
  it("shifts and clamps", () => {
    const bounds = { earliest: T0 - 1_000, latest: T0 };
    expect(correctClientTime(T0 - 500, 200, bounds).getTime()).toBe(T0 - 300);
    expect(correctClientTime(T0 - 500, 900, bounds).getTime()).toBe(T0);
    expect(correctClientTime(T0 - 5_000, 0, bounds).getTime()).toBe(T0 - 1_000);
  });
});

describe("ingest clock correction", () => {
  beforeAll(async () => {
    await prisma.shop.create({ data: { domain: SHOP } });
  });

  async function send(
    visitorId: string,
    sessionId: string,
    sentAt: number,
    clickAt: number,
    receivedAt: number,
    writer?: IngestWriter,
  ) {
    const page = makePage({ startedAt: clickAt - 1_000 });
    const batch = makeBatch(SHOP, {
      visitorId,
      sessionId,
      sentAt,
      pages: [page],
      events: [makeClick(page, { at: clickAt, selector: `#c${clickAt}` })],
    });
    const response = await handleBatch(
      postJson("https://storelens.test/collect", batch),
      { pool, logger, now: () => new Date(receivedAt), writer },
    );
    expect(response.status).toBe(200);
    const event = await prisma.interactionEvent.findFirstOrThrow({
      where: { batchId: batch.batchId },
    });
    return {
      occurredAt: event.occurredAt.getTime(),
      clientAt: event.clientAt.getTime(),
    };
  }

  it("corrects by the device's smallest offset", async () => {
    const visitor = randomUUID();
    const session = randomUUID();
    // The device clock runs 60 s behind. The first request takes 80 ms.
    const first = await send(visitor, session, T0, T0 - 1_000, T0 + 60_080);
    expect(first.clientAt).toBe(T0 - 1_000);
    expect(first.occurredAt).toBe(T0 - 1_000 + 60_080);

    // The second takes 7 s: its events still move by 60.08 s, not 67 s.
    const sent = T0 + 30_000;
    const second = await send(
      visitor,
      session,
      sent,
      sent - 500,
      sent + 67_000,
    );
    expect(second.clientAt).toBe(sent - 500);
    expect(second.occurredAt).toBe(sent - 500 + 60_080);

    // A third, faster request tightens the estimate to 60.03 s.
    const third = await send(visitor, session, sent + 1, sent, sent + 60_031);
    expect(third.occurredAt).toBe(sent + 60_030);
  });

  it("starts another device from its own offset", async () => {
    const other = await send(
      randomUUID(),
      randomUUID(),
      T0,
      T0 - 1_000,
      T0 + 67_000,
    );
    expect(other.occurredAt).toBe(T0 - 1_000 + 67_000);
  });

  it("shares the estimate between server processes", async () => {
    // Each process has its own writer; the estimate is on the visit's row.
    const visitor = randomUUID();
    const session = randomUUID();
    const first = new IngestWriter(pool);
    const second = new IngestWriter(pool);
    await send(visitor, session, T0, T0 - 1_000, T0 + 60_080, first);
    const slow = await send(
      visitor,
      session,
      T0 + 30_000,
      T0 + 29_500,
      T0 + 97_000,
      second,
    );
    expect(slow.occurredAt).toBe(T0 + 29_500 + 60_080);
  });
});
