import { randomUUID } from "node:crypto";
import diagnostics_channel from "node:diagnostics_channel";
import type pg from "pg";
import { prisma, pool } from "~/db.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  pendingBatch,
} from "../../test/support/batches";
import { IngestWriter, type WrittenGroup } from "./ingest-writer.server";
import type { BatchPayload } from "./payload-types";
import { writeGroup, type PendingBatch } from "./write-batch.server";

// The group writer while another writer or another server process writes the
// same rows between a group's checks and its inserts.

const SHOP = "writer.myshopify.com";

function pending(batch: BatchPayload): PendingBatch {
  return pendingBatch(batch, { origin: null, receivedAt: new Date(T0 + 6000) });
}

/** Opens a transaction that writes `batches` and leaves them uncommitted. */
async function uncommitted(batches: BatchPayload[]): Promise<pg.PoolClient> {
  const client = await pool.connect();
  await client.query("BEGIN");
  await writeGroup(client, batches.map(pending));
  return client;
}

/** Writes `batches` as one group in a transaction and commits it. */
async function writeCommitted(batches: BatchPayload[]) {
  const client = await uncommitted(batches);
  await client.query("COMMIT");
  client.release();
}

/** Waits until some other connection of this database waits for a lock. */
async function someoneWaitsForALock() {
  for (let i = 0; i < 200; i += 1) {
    const waiting = await pool.query(
      `SELECT 1 FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (waiting.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no writer waited for a lock");
}

/**
 * Writes `batch` with a single writer while `held` is written but not yet
 * committed by another transaction, which commits once the writer waits.
 */
async function writeWhileHeld(held: BatchPayload, batch: BatchPayload) {
  const holder = await uncommitted([held]);
  const writer = new IngestWriter(pool, undefined, 400, 1);
  const outcome = writer.write(pending(batch));
  await someoneWaitsForALock();
  await holder.query("COMMIT");
  holder.release();
  return outcome;
}

async function storedOf(batch: BatchPayload) {
  const [receipts, sessions, events] = await Promise.all([
    prisma.ingestBatch.count({ where: { id: batch.batchId } }),
    prisma.visitorSession.count({ where: { id: batch.sessionId } }),
    prisma.interactionEvent.count({ where: { batchId: batch.batchId } }),
  ]);
  return { receipts, sessions, events };
}

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: SHOP } });
});

describe("a page view written meanwhile for another visit", () => {
  it("rejects a lone batch naming it", async () => {
    const page = makePage();
    const first = makeBatch(SHOP, { pages: [page], events: [makeClick(page)] });
    const second = makeBatch(SHOP, {
      pages: [page],
      events: [makeClick(page)],
    });
    const result = await writeWhileHeld(first, second);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.status).toBe(409);
      expect(result.error.code).toBe("page_of_another_visit");
      expect(result.error.field).toBe("pages.0.id");
    }
    expect(await storedOf(second)).toEqual({
      receipts: 0,
      sessions: 0,
      events: 0,
    });
    const events = await prisma.interactionEvent.findMany({
      where: { pageViewId: page.id },
    });
    expect(events.map((event) => event.sessionId)).toEqual([first.sessionId]);
  });

  it("rejects only that batch of a group", async () => {
    const page = makePage();
    const holderBatch = makeBatch(SHOP, {
      pages: [page],
      events: [makeClick(page)],
    });
    const taking = makeBatch(SHOP, {
      pages: [page],
      events: [makeClick(page)],
    });
    const innocent = makeBatch(SHOP);
    // Keeps the writer busy on a receipt another transaction holds, so that
    // the next two batches queue up and are written as one group.
    const blocker = makeBatch(SHOP);
    const receiptHolder = await uncommitted([blocker]);
    const holder = await uncommitted([holderBatch]);
    const writer = new IngestWriter(pool, undefined, 400, 1);
    const blocked = writer.write(pending(blocker));
    await someoneWaitsForALock();
    const outcomes = Promise.all([
      writer.write(pending(taking)),
      writer.write(pending(innocent)),
    ]);
    await receiptHolder.query("ROLLBACK");
    receiptHolder.release();
    expect((await blocked).ok).toBe(true);
    await someoneWaitsForALock();
    await holder.query("COMMIT");
    holder.release();

    const [taken, written] = await outcomes;
    expect(taken.ok).toBe(false);
    if (!taken.ok) expect(taken.error.code).toBe("page_of_another_visit");
    expect(written).toMatchObject({ ok: true, result: { duplicate: false } });
    expect(await storedOf(taking)).toEqual({
      receipts: 0,
      sessions: 0,
      events: 0,
    });
    expect(await storedOf(innocent)).toEqual({
      receipts: 1,
      sessions: 1,
      events: 2,
    });
  });
});

describe("a visit written meanwhile for another visitor", () => {
  it("rejects a lone batch with 409", async () => {
    const sessionId = randomUUID();
    const first = makeBatch(SHOP, { sessionId });
    const second = makeBatch(SHOP, { sessionId });
    const result = await writeWhileHeld(first, second);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.status).toBe(409);
      expect(result.error.code).toBe("session_of_another_visitor");
    }
    expect(await storedOf(second)).toMatchObject({ receipts: 0, events: 0 });
  });
});

describe("a visit back from paying, in one group with its previous visit", () => {
  /** Two visits of one visitor: from Instagram, then back from PayPal. */
  function visitsOfOneVisitor() {
    const visitorId = randomUUID();
    const firstPage = makePage({ referrer: "https://www.instagram.com/" });
    const returnPage = makePage({
      path: "/thank-you",
      referrer: "https://www.paypal.com/checkoutnow",
      startedAt: T0 + 60_000,
    });
    return [
      makeBatch(SHOP, {
        visitorId,
        pages: [firstPage],
        events: [makeClick(firstPage)],
      }),
      makeBatch(SHOP, {
        visitorId,
        pages: [returnPage],
        events: [makeClick(returnPage)],
      }),
    ];
  }

  async function channelOf(batch: BatchPayload) {
    const session = await prisma.visitorSession.findFirstOrThrow({
      where: { id: batch.sessionId },
    });
    return session.channel;
  }

  it("keeps the channel as written one by one", async () => {
    const [alone, aloneReturn] = visitsOfOneVisitor();
    await writeCommitted([alone]);
    await writeCommitted([aloneReturn]);
    const [together, togetherReturn] = visitsOfOneVisitor();
    await writeCommitted([together, togetherReturn]);

    expect(await channelOf(aloneReturn)).toBe("social");
    expect(await channelOf(togetherReturn)).toBe("social");
  });

  it("inherits the stored source of a visit the group extends", async () => {
    const [first, back] = visitsOfOneVisitor();
    await writeCommitted([first]);
    const nextPage = makePage({
      referrer: "https://shop.example/",
      startedAt: T0 + 30_000,
    });
    const extending = makeBatch(SHOP, {
      visitorId: first.visitorId,
      sessionId: first.sessionId,
      pages: [nextPage],
      events: [makeClick(nextPage)],
    });
    await writeCommitted([extending, back]);

    expect(await channelOf(first)).toBe("social");
    expect(await channelOf(back)).toBe("social");
  });
});

describe("a retry of a rejected batch later in its group", () => {
  it("is written when an earlier batch made it valid", async () => {
    const visit = { visitorId: randomUUID(), sessionId: randomUUID() };
    const page = makePage();
    const early = makeBatch(SHOP, {
      ...visit,
      pages: [],
      events: [makeClick(page)],
    });
    const listing = makeBatch(SHOP, {
      ...visit,
      pages: [page],
      events: [makeClick(page, { at: page.startedAt + 500 })],
    });
    const client = await pool.connect();
    await client.query("BEGIN");
    const outcomes = await writeGroup(client, [
      pending(early),
      pending(listing),
      pending(early),
    ]);
    await client.query("COMMIT");
    client.release();

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, true, true]);
    expect(outcomes[2]).toMatchObject({ result: { duplicate: false } });
    expect(await storedOf(early)).toEqual({
      receipts: 1,
      sessions: 1,
      events: 1,
    });
  });

  it("shares the rejection of an identical earlier copy", async () => {
    const page = makePage();
    const orphan = makeBatch(SHOP, { pages: [], events: [makeClick(page)] });
    const client = await pool.connect();
    await client.query("BEGIN");
    const outcomes = await writeGroup(client, [
      pending(orphan),
      pending(orphan),
    ]);
    await client.query("COMMIT");
    client.release();

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, false]);
    expect(await storedOf(orphan)).toEqual({
      receipts: 0,
      sessions: 0,
      events: 0,
    });
  });
});

describe("ids in upper case", () => {
  it("name the same page view as in lower case", async () => {
    const page = makePage();
    const owner = makeBatch(SHOP, { pages: [page], events: [makeClick(page)] });
    await writeCommitted([owner]);
    const shouted = { ...page, id: page.id.toUpperCase() };
    const intruder = makeBatch(SHOP, {
      pages: [shouted],
      events: [makeClick(shouted)],
    });
    const sameVisit = makeBatch(SHOP, {
      visitorId: owner.visitorId,
      sessionId: owner.sessionId.toUpperCase(),
      pages: [],
      events: [makeClick(shouted, { at: page.startedAt + 3000 })],
    });
    const writer = new IngestWriter(pool, undefined, 400, 1);
    const [rejected, written] = await Promise.all([
      writer.write(pending(intruder)),
      writer.write(pending(sameVisit)),
    ]);

    expect(rejected.ok).toBe(false);
    if (!rejected.ok) expect(rejected.error.code).toBe("page_of_another_visit");
    expect(written).toMatchObject({ ok: true, result: { duplicate: false } });
    expect(await storedOf(intruder)).toEqual({
      receipts: 0,
      sessions: 0,
      events: 0,
    });
    const events = await prisma.interactionEvent.findMany({
      where: { pageViewId: page.id },
    });
    expect(events.map((event) => event.sessionId)).toEqual([
      owner.sessionId,
      owner.sessionId,
    ]);
  });
});

describe("two writers", () => {
  it("write another visit while a group waits", async () => {
    const blocked = makeBatch(SHOP);
    const later = makeBatch(SHOP, {
      visitorId: blocked.visitorId,
      sessionId: blocked.sessionId,
      pages: [],
      events: [makeClick(blocked.pages[0], { at: T0 + 4000 })],
    });
    const other = makeBatch(SHOP);
    // Another transaction holds the first batch's receipt, so its group
    // waits for that lock.
    const holder = await uncommitted([blocked]);
    const writer = new IngestWriter(pool, undefined, 400, 2);
    const first = writer.write(pending(blocked));
    await someoneWaitsForALock();
    let laterSettled = false;
    const second = writer.write(pending(later)).finally(() => {
      laterSettled = true;
    });

    const written = await writer.write(pending(other));
    expect(written).toMatchObject({ ok: true, result: { duplicate: false } });
    expect(await storedOf(other)).toEqual({
      receipts: 1,
      sessions: 1,
      events: other.events.length,
    });
    // The visit's later batch waits for the group that contains its visit.
    expect(laterSettled).toBe(false);
    expect(writer.waiting).toBe(1);

    await holder.query("ROLLBACK");
    holder.release();
    expect(await first).toMatchObject({
      ok: true,
      result: { duplicate: false },
    });
    expect(await second).toMatchObject({
      ok: true,
      result: { duplicate: false },
    });
    expect(await storedOf(later)).toEqual({
      receipts: 1,
      sessions: 1,
      events: later.events.length,
    });
    expect(
      await prisma.interactionEvent.count({
        where: { sessionId: blocked.sessionId },
      }),
    ).toBe(blocked.events.length + later.events.length);
  });
});

describe("the group channel", () => {
  it("reports each written group", async () => {
    const reports: WrittenGroup[] = [];
    const listener = (message: unknown) => {
      reports.push(message as WrittenGroup);
    };
    diagnostics_channel.subscribe("storelens:ingest-group", listener);
    try {
      const writer = new IngestWriter(pool, undefined, 400, 1);
      const outcomes = await Promise.all([
        writer.write(pending(makeBatch(SHOP))),
        writer.write(pending(makeBatch(SHOP))),
      ]);
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      // The report follows the group's last outcome.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      diagnostics_channel.unsubscribe("storelens:ingest-group", listener);
    }
    expect(reports).toHaveLength(1);
    expect(reports[0].batches).toBe(2);
    expect(reports[0].ms).toBeGreaterThan(0);
  });
});

describe("writer counts", () => {
  it.each([0, -1, 1.5, Number.NaN])("rejects %s writers", (writers) => {
    expect(() => new IngestWriter(pool, undefined, 400, writers)).toThrow(
      /invalid INGEST_WRITE_LANES \(writers\): .*Set a whole number of at least 1/,
    );
  });

  it("rejects a group size of 0", () => {
    expect(() => new IngestWriter(pool, undefined, 0, 2)).toThrow(
      /invalid group size: 0/,
    );
  });
});
