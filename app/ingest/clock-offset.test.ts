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
  DeviceClockOffsets,
  OFFSET_WINDOW_MS,
  correctClientTime,
  estimateOffset,
} from "./clock-offset.server";
import { handleBatch } from "./handle-batch.server";

const SHOP = "clocks.myshopify.com";
const logger = pino({ level: "silent" });

describe("estimateOffset", () => {
  it("takes the smallest recent offset", () => {
    const now = T0;
    const observations = [
      { offsetMs: 3_200, receivedAt: now - 60_000 },
      { offsetMs: 3_050, receivedAt: now - 30_000 },
      { offsetMs: 9_000, receivedAt: now },
    ];
    expect(estimateOffset(observations, now)).toBe(3_050);
  });

  it("ignores observations outside the window", () => {
    const now = T0;
    const observations = [
      { offsetMs: 100, receivedAt: now - OFFSET_WINDOW_MS - 1 },
      { offsetMs: 500, receivedAt: now },
    ];
    expect(estimateOffset(observations, now)).toBe(500);
    expect(estimateOffset([], now)).toBeNull();
  });
});

describe("DeviceClockOffsets", () => {
  it("keeps a slow request from shifting events", () => {
    const clocks = new DeviceClockOffsets();
    // The device clock runs 3 s behind the server's.
    expect(clocks.observe("d", T0, T0 + 3_000 + 50)).toBe(3_050);
    expect(clocks.observe("d", T0 + 10_000, T0 + 13_000 + 4_000)).toBe(3_050);
    expect(clocks.observe("d", T0 + 20_000, T0 + 23_000 + 20)).toBe(3_020);
  });

  it("keeps devices apart", () => {
    const clocks = new DeviceClockOffsets();
    expect(clocks.observe("a", T0, T0 + 1_000)).toBe(1_000);
    expect(clocks.observe("b", T0, T0 - 2_000)).toBe(-2_000);
    expect(clocks.observe("a", T0 + 5, T0 + 9_000)).toBe(1_000);
  });

  it("follows a corrected clock after the window", () => {
    const clocks = new DeviceClockOffsets();
    expect(clocks.observe("d", T0, T0 + 100)).toBe(100);
    const later = T0 + 100 + OFFSET_WINDOW_MS + 1;
    expect(clocks.observe("d", later - 5_000, later)).toBe(5_000);
  });

  it("remembers a bounded number of devices", () => {
    const clocks = new DeviceClockOffsets(10);
    for (let i = 0; i < 100; i++) clocks.observe(`d${i}`, T0, T0);
    expect(clocks.size).toBe(10);
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
      { pool, logger, now: () => new Date(receivedAt) },
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
});
