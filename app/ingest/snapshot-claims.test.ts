import { prisma, pool } from "~/db.server";
import { withTransaction } from "~/transaction.server";
import {
  T0,
  makeBatch,
  makePage,
  makeScroll,
  pendingBatch,
  CHROME_USER_AGENT,
} from "../../test/support/batches";
import type { BatchPayload } from "./payload-types";
import {
  writeBatch,
  writeGroup,
  type BatchOutcome,
  type PendingBatch,
} from "./write-batch.server";

// Page views of one snapshot slot (shop, day, path, device, band) received
// minutes apart, as replayed or delayed batches are: a group must hand out
// the slot's claims exactly as writing its batches one by one in arrival
// order does. A claim that no upload follows within 10 minutes passes to
// the next page view of the slot.

const ORIGIN = "https://slot-store.example";
const MINUTE = 60_000;

/**
 * Builds a batch of a new visit with one page view of the shared slot,
 * received `minutes` after T0. Its page starts two seconds and its batch
 * is sent 40 ms before receipt.
 */
function arrival(minutes: number): { payload: BatchPayload; at: Date } {
  const at = new Date(T0 + minutes * MINUTE);
  const page = makePage({ startedAt: at.getTime() - 2000 });
  return {
    at,
    payload: makeBatch("placeholder", {
      sentAt: at.getTime() - 40,
      pages: [page],
      events: [makeScroll(page, { at: at.getTime() - 1000 })],
    }),
  };
}

function pending(
  shop: string,
  batch: { payload: BatchPayload; at: Date },
): PendingBatch {
  return pendingBatch(
    { ...batch.payload, shop },
    { origin: ORIGIN, receivedAt: batch.at, userAgent: CHROME_USER_AGENT },
  );
}

/** Lists, per batch, the page views whose snapshot the response requests. */
function claimsOf(outcomes: BatchOutcome[]): string[][] {
  return outcomes.map((outcome) => {
    if (!outcome.ok) throw new Error(`rejected: ${outcome.error.code}`);
    return outcome.result.snapshotPages;
  });
}

/** Lists the shop's snapshot slots with each claimant and its claim time. */
async function slotsOf(shopId: string) {
  const result = await pool.query<{ slot: string }>(
    `SELECT path || ' ' || device || ' ' || band || ' ' ||
            to_char(day, 'YYYY-MM-DD') || ' ' || "pageViewId" || ' ' ||
            to_char("createdAt", 'HH24:MI:SS.MS') AS slot
     FROM "PageSnapshot" WHERE "shopId" = $1 ORDER BY 1`,
    [shopId],
  );
  return result.rows.map((row) => row.slot);
}

let shopNumber = 0;

/**
 * Writes the arrivals one by one into one shop and as one group into
 * another, and returns both claims and slots.
 */
async function writeBothWays(minutes: number[]) {
  shopNumber += 1;
  const single = await prisma.shop.create({
    data: {
      domain: `slot-single-${shopNumber}.myshopify.com`,
      storefrontOrigins: [ORIGIN],
    },
  });
  const grouped = await prisma.shop.create({
    data: {
      domain: `slot-group-${shopNumber}.myshopify.com`,
      storefrontOrigins: [ORIGIN],
    },
  });
  const arrivals = minutes.map(arrival);

  const oneByOne: BatchOutcome[] = [];
  for (const batch of arrivals) {
    oneByOne.push(await writeBatch(pool, pending(single.domain, batch)));
  }
  const group = await withTransaction(pool, (client) =>
    writeGroup(
      client,
      arrivals.map((batch) => pending(grouped.domain, batch)),
    ),
  );
  return {
    pageIds: arrivals.map((batch) => batch.payload.pages[0].id),
    oneByOne: { claims: claimsOf(oneByOne), slots: await slotsOf(single.id) },
    group: { claims: claimsOf(group), slots: await slotsOf(grouped.id) },
  };
}

describe("snapshot slot claims in a group", () => {
  it("passes an unused claim on after 10 minutes", async () => {
    const written = await writeBothWays([0, 11]);
    const [first, second] = written.pageIds;
    expect(written.oneByOne.claims).toEqual([[first], [second]]);
    expect(written.group.claims).toEqual(written.oneByOne.claims);
    expect(written.oneByOne.slots).toHaveLength(1);
    expect(written.oneByOne.slots[0]).toContain(second);
    expect(written.group.slots).toEqual(written.oneByOne.slots);
  });

  it("keeps a claim younger than 10 minutes", async () => {
    const written = await writeBothWays([0, 9]);
    const [first] = written.pageIds;
    expect(written.oneByOne.claims).toEqual([[first], []]);
    expect(written.group.claims).toEqual(written.oneByOne.claims);
    expect(written.group.slots).toEqual(written.oneByOne.slots);
  });

  it("times each claim from the one before it", async () => {
    // Minute 0 claims and minute 6 finds that claim fresh. Minute 11 takes
    // the slot over, 15 finds it fresh, and 22 takes it over again.
    const written = await writeBothWays([0, 6, 11, 15, 22]);
    const ids = written.pageIds;
    expect(written.oneByOne.claims).toEqual([
      [ids[0]],
      [],
      [ids[2]],
      [],
      [ids[4]],
    ]);
    expect(written.group.claims).toEqual(written.oneByOne.claims);
    expect(written.group.slots).toEqual(written.oneByOne.slots);
  });

  it("follows arrival order, not receipt times", async () => {
    const written = await writeBothWays([11, 0, 30]);
    const ids = written.pageIds;
    expect(written.oneByOne.claims).toEqual([[ids[0]], [], [ids[2]]]);
    expect(written.group.claims).toEqual(written.oneByOne.claims);
    expect(written.group.slots).toEqual(written.oneByOne.slots);
  });

  it("matches one-by-one writes for varied gaps", async () => {
    const cases = [
      [0, 10],
      [0, 10.001],
      [0, 12, 12.5, 24],
      [5, 5, 16, 16],
    ];
    for (const minutes of cases) {
      const written = await writeBothWays(minutes);
      expect(written.group.claims, `minutes ${minutes}`).toEqual(
        written.oneByOne.claims,
      );
      expect(written.group.slots, `minutes ${minutes}`).toEqual(
        written.oneByOne.slots,
      );
    }
  });
});
