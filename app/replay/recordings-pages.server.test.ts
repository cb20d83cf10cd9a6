import { randomUUID } from "node:crypto";
import { prisma, pool } from "~/db.server";
import { loader } from "~/routes/app.recordings._index";
import { adminRequest, storeOfflineSession } from "../../test/support/shopify";
import {
  encodeRecordingCursor,
  parsePageRequest,
} from "./recordings-cursor.server";
import {
  listRecordings,
  parseRecordingFilters,
  type RecordingPage,
} from "./recordings-list.server";
import { recordingsUrl } from "./recordings-url";

const START = Date.UTC(2026, 10, 20, 8);
const RANGE = { from: "2026-11-19", to: "2026-11-21" };
const PAGE_SIZE = 100;

/**
 * Stores `count` recorded visits, a minute apart from `from` on. Every
 * third minute has two visits, so rows tie on their start time.
 */
async function storeRecordings(
  shopId: string,
  count: number,
  options: { from?: number; device?: (index: number) => string } = {},
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const starts = ids.map((_, index) => {
    const minute = index - Math.floor((index + 1) / 3);
    return new Date((options.from ?? START) + minute * 60_000);
  });
  const devices = ids.map((_, index) => options.device?.(index) ?? "desktop");
  await pool.query(
    `INSERT INTO "VisitorSession" ("shopId", id, "visitorId", "startedAt",
       "lastSeenAt", device, "landingPath")
     SELECT $1, v.id, gen_random_uuid(), v.at, v.at, v.device, '/'
     FROM unnest($2::uuid[], $3::timestamp[], $4::text[]) AS v(id, at, device)`,
    [shopId, ids, starts, devices],
  );
  await pool.query(
    `INSERT INTO "Recording" ("shopId", "sessionId", reason, "clockOffsetMs",
       "startedAt", "endedAt", "updatedAt")
     SELECT $1, v.id, 'sample', 0, v.at, v.at + interval '1 minute', now()
     FROM unnest($2::uuid[], $3::timestamp[]) AS v(id, at)`,
    [shopId, ids, starts],
  );
  return ids;
}

/** Loads a page the way the admin does, from the URL of a link. */
async function open(shopId: string, url: string): Promise<RecordingPage> {
  const params = new URL(url, "https://admin.test").searchParams;
  return listRecordings(
    pool,
    { shopId, timezone: "UTC", ...parseRecordingFilters(params, "UTC") },
    parsePageRequest(params),
    PAGE_SIZE,
  );
}

const idsOf = (page: RecordingPage) => page.rows.map((row) => row.sessionId);

let shopA: string;
let shopB: string;

beforeAll(async () => {
  shopA = (
    await prisma.shop.create({ data: { domain: "pages-a.myshopify.com" } })
  ).id;
  shopB = (
    await prisma.shop.create({ data: { domain: "pages-b.myshopify.com" } })
  ).id;
});

describe("recordings pages", () => {
  it("shows every row once while new ones arrive", async () => {
    const stored = await storeRecordings(shopA, 250);
    await storeRecordings(shopB, 80);
    const first = recordingsUrl(RANGE);

    const seen: string[] = [];
    const labels: string[] = [];
    let url: string | null = first;
    let arrivals = 0;
    while (url) {
      const page = await open(shopA, url);
      seen.push(...idsOf(page));
      labels.push(`${page.firstPosition}+${page.rows.length}`);
      // Later visits start later: they belong before the first page.
      await storeRecordings(shopA, 3, {
        from: START + 86_400_000 - 60_000 * arrivals,
      });
      arrivals += 1;
      url = page.next ? recordingsUrl(RANGE, { after: page.next }) : null;
    }

    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect([...seen].sort()).toEqual([...stored].sort());
    // Each page counts the three visits that arrived before it loaded.
    expect(labels).toEqual(["1+100", "104+100", "207+50"]);
  });

  it("walks back to the same pages", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "pages-back.myshopify.com" },
    });
    await storeRecordings(shop.id, 230);
    const first = await open(shop.id, recordingsUrl(RANGE));
    const second = await open(
      shop.id,
      recordingsUrl(RANGE, { after: first.next! }),
    );
    const third = await open(
      shop.id,
      recordingsUrl(RANGE, { after: second.next! }),
    );
    expect(third.next).toBeNull();
    await storeRecordings(shop.id, 5, { from: START + 86_400_000 });

    const back = await open(
      shop.id,
      recordingsUrl(RANGE, { before: third.previous! }),
    );
    const front = await open(
      shop.id,
      recordingsUrl(RANGE, { before: back.previous! }),
    );

    expect(idsOf(back)).toEqual(idsOf(second));
    expect(idsOf(front)).toEqual(idsOf(first));
    // The five new visits come before the old first page now.
    expect(front.firstPosition).toBe(6);
    expect(front.hasPrevious).toBe(true);
    expect(first.hasPrevious).toBe(false);
  });

  it("keeps the filters on every page", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "pages-filters.myshopify.com" },
    });
    const devices = (index: number) => (index % 2 === 0 ? "mobile" : "desktop");
    const stored = await storeRecordings(shop.id, 240, { device: devices });
    const mobile = stored.filter((_, index) => devices(index) === "mobile");
    const filters = { ...RANGE, device: "mobile" as const };

    const seen: string[] = [];
    let page = await open(shop.id, recordingsUrl(filters));
    seen.push(...idsOf(page));
    const next = recordingsUrl(filters, { after: page.next! });
    expect(new URL(next, "https://admin.test").searchParams.get("device")).toBe(
      "mobile",
    );
    page = await open(shop.id, next);
    seen.push(...idsOf(page));

    expect(page.next).toBeNull();
    expect(page.total).toBe(120);
    expect([...seen].sort()).toEqual([...mobile].sort());
    expect(page.rows.every((row) => row.device === "mobile")).toBe(true);
  });

  it("never shows another shop's rows", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "pages-alone.myshopify.com" },
    });
    const own = await storeRecordings(shop.id, 3);
    const page = await open(shop.id, recordingsUrl(RANGE));
    expect([...idsOf(page)].sort()).toEqual([...own].sort());

    // A cursor taken from another shop's row pages through this shop only.
    const [foreign] = (await open(shopB, recordingsUrl(RANGE))).rows;
    const after = await open(
      shop.id,
      recordingsUrl(RANGE, { after: encodeRecordingCursor(foreign) }),
    );
    expect(idsOf(after).every((id) => own.includes(id))).toBe(true);
  });

  it("links an empty page past the end to the first page", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "pages-end.myshopify.com" },
    });
    await storeRecordings(shop.id, 2);
    const cursor = encodeRecordingCursor({
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      sessionId: randomUUID(),
    });
    const page = await open(shop.id, recordingsUrl(RANGE, { after: cursor }));
    expect(page.rows).toEqual([]);
    expect(page.hasPrevious).toBe(true);
    expect(page.previous).toBeNull();
    expect(page.total).toBe(2);
  });
});

describe("recordings page cursor", () => {
  const domain = "pages-cursor.myshopify.com";

  beforeAll(async () => {
    await prisma.shop.create({ data: { domain } });
    await storeOfflineSession(domain);
  });

  async function status(query: string) {
    try {
      await loader({
        request: adminRequest(domain, `/app/recordings?${query}`),
        params: {},
        context: {},
      });
      return { status: 200, body: null };
    } catch (thrown) {
      if (!(thrown instanceof Response)) throw thrown;
      return { status: thrown.status, body: await thrown.json() };
    }
  }

  it.each([
    ["not base64 JSON", "after=%%%"],
    ["a JSON number", `after=${Buffer.from("7").toString("base64url")}`],
    [
      "a bad session id",
      `before=${Buffer.from('["2026-11-20T08:00:00.000Z","x"]').toString("base64url")}`,
    ],
    [
      "a bad time",
      `after=${Buffer.from(`["yesterday","${randomUUID()}"]`).toString("base64url")}`,
    ],
    [
      "year zero, which PostgreSQL lacks",
      `before=${Buffer.from(`["0000-01-01T00:00:00Z","${randomUUID()}"]`).toString("base64url")}`,
    ],
  ])("rejects %s with 400", async (_, query) => {
    const result = await status(query);
    expect(result.status).toBe(400);
    expect(result.body.error).toMatch(
      /Invalid page cursor in "(after|before)"/,
    );
  });

  it("rejects both directions at once", async () => {
    const cursor = encodeRecordingCursor({
      startedAt: new Date(START),
      sessionId: randomUUID(),
    });
    const result = await status(`after=${cursor}&before=${cursor}`);
    expect(result.status).toBe(400);
    expect(result.body.error).toMatch(/either "after" or "before"/);
  });

  it.each([
    ["the first year", "0001-01-01T00:00:00.000Z"],
    ["the last year", "9999-12-31T23:59:59.999Z"],
  ])("accepts a cursor in %s", async (_, time) => {
    const cursor = encodeRecordingCursor({
      startedAt: new Date(time),
      sessionId: randomUUID(),
    });
    expect((await status(`after=${cursor}`)).status).toBe(200);
    expect((await status(`before=${cursor}`)).status).toBe(200);
  });

  it("accepts a cursor the list wrote", async () => {
    const cursor = encodeRecordingCursor({
      startedAt: new Date(START),
      sessionId: randomUUID(),
    });
    expect((await status(`after=${cursor}`)).status).toBe(200);
  });
});
