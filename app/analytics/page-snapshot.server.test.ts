import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { handleSnapshot } from "~/ingest/handle-snapshot.server";
import type { PagePayload, SnapshotPayload } from "~/ingest/payload-types";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import { latestPageSnapshot } from "./page-snapshot.server";

const SHOP = "band-snaps.myshopify.com";
const PATH = "/products/band-shirt";
const logger = pino({ level: "silent" });

/** Sends one new page view at `width` and returns the snapshot claims. */
async function visitAt(width: number): Promise<{
  page: PagePayload;
  claimed: string[];
}> {
  const now = Date.now();
  const page = makePage({ path: PATH, startedAt: now - 1000 });
  page.viewportWidth = width;
  const batch = makeBatch(SHOP, {
    sentAt: now,
    pages: [page],
    events: [makeClick(page, { at: now - 500 })],
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    { pool, logger },
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { snapshotPages: string[] };
  return { page, claimed: body.snapshotPages };
}

async function upload(page: PagePayload, viewportWidth: number) {
  const payload: SnapshotPayload = {
    v: 1,
    shop: SHOP,
    page: page.id,
    path: page.path,
    device: "desktop",
    viewportWidth,
    viewportHeight: 900,
    documentHeight: 2400,
    node: { type: 0, childNodes: [], id: viewportWidth },
  };
  const response = await handleSnapshot(
    new Request(
      `https://storelens.test/collect/snapshot?shop=${SHOP}&page=${page.id}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      },
    ),
    { pool, logger },
  );
  return { status: response.status, body: await response.json() };
}

let shopId: string;

beforeAll(async () => {
  shopId = (await prisma.shop.create({ data: { domain: SHOP } })).id;
});

describe("page snapshots by viewport band", () => {
  it("claims one snapshot per band and day", async () => {
    const laptop = await visitAt(1366);
    const wide = await visitAt(1440);
    const wideAgain = await visitAt(1600);

    expect(laptop.claimed).toEqual([laptop.page.id]);
    expect(wide.claimed).toEqual([wide.page.id]);
    expect(wideAgain.claimed).toEqual([]);
    const rows = await prisma.pageSnapshot.findMany({
      where: { shopId, path: PATH },
      orderBy: { band: "asc" },
    });
    expect(rows.map((row) => [row.band, row.viewportWidth])).toEqual([
      ["1280-1439", 1366],
      ["1440-1919", 1440],
    ]);
  });

  it("serves each band its own snapshot", async () => {
    const rows = await prisma.pageSnapshot.findMany({
      where: { shopId, path: PATH },
    });
    const pageOf = (band: string) =>
      ({
        id: rows.find((row) => row.band === band)!.pageViewId,
        path: PATH,
      }) as PagePayload;

    expect((await upload(pageOf("1280-1439"), 1366)).status).toBe(200);
    expect((await upload(pageOf("1440-1919"), 1440)).status).toBe(200);

    const laptop = await latestPageSnapshot(pool, {
      shopId,
      path: PATH,
      device: "desktop",
      band: "1280-1439",
    });
    const wide = await latestPageSnapshot(pool, {
      shopId,
      path: PATH,
      device: "desktop",
      band: "1440-1919",
    });
    const fullHd = await latestPageSnapshot(pool, {
      shopId,
      path: PATH,
      device: "desktop",
      band: "1920+",
    });
    expect(laptop?.viewportWidth).toBe(1366);
    expect(laptop?.node).toMatchObject({ id: 1366 });
    expect(wide?.viewportWidth).toBe(1440);
    expect(fullHd).toBeNull();
  });

  it("rejects an upload from another band", async () => {
    const { page, claimed } = await visitAt(1920);
    expect(claimed).toEqual([page.id]);

    const resized = await upload(page, 1280);

    expect(resized.status).toBe(409);
    expect(resized.body.error.code).toBe("viewport_band_changed");
    expect(resized.body.error.field).toBe("viewportWidth");
    const slot = await prisma.pageSnapshot.findFirstOrThrow({
      where: { shopId, pageViewId: page.id },
    });
    expect(slot.byteSize).toBe(0);
    expect((await upload(page, 1920)).status).toBe(200);
  });
});
