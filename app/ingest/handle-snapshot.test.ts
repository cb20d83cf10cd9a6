import { randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import pino from "pino";
import { latestPageSnapshot } from "~/analytics/page-snapshot.server";
import { prisma, pool } from "~/db.server";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import { handleBatch } from "./handle-batch.server";
import { handleSnapshot } from "./handle-snapshot.server";
import type { SnapshotPayload } from "./payload-types";

const SHOP = "snap.myshopify.com";
const logger = pino({ level: "silent" });
const NODE = { type: 0, childNodes: [], id: 1 };

let pageNumber = 0;

/** Sends a batch for a new path today, which claims that path's snapshot. */
async function claim() {
  const page = makePage({
    path: `/pages/story-${++pageNumber}`,
    startedAt: Date.now() - 1000,
  });
  const batch = makeBatch(SHOP, {
    sentAt: Date.now(),
    pages: [page],
    events: [makeClick(page, { at: Date.now() - 500 })],
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger,
    },
  );
  const body = await response.json();
  return { page, snapshotPages: body.snapshotPages as string[] };
}

function payload(page: { id: string; path: string }): SnapshotPayload {
  return {
    v: 1,
    shop: SHOP,
    page: page.id,
    path: page.path,
    device: "desktop",
    viewportWidth: 1440,
    viewportHeight: 900,
    documentHeight: 3200,
    node: NODE,
  };
}

async function upload(
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  page: string | null = pageOf(body),
) {
  const query = page === null ? "" : `?shop=${SHOP}&page=${page}`;
  const response = await handleSnapshot(
    new Request(`https://storelens.test/collect/snapshot${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: body as BodyInit,
    }),
    { pool, logger },
  );
  return { status: response.status, body: await response.json() };
}

/** Reads the page view id inside a JSON body, to mirror it in the query. */
function pageOf(body: Uint8Array | string): string | null {
  try {
    const text =
      typeof body === "string" ? body : gunzipSync(body).toString("utf8");
    return (JSON.parse(text) as { page?: string }).page ?? null;
  } catch {
    return null;
  }
}

let shopId: string;

beforeAll(async () => {
  const shop = await prisma.shop.create({ data: { domain: SHOP } });
  shopId = shop.id;
});

beforeEach(async () => {
  await prisma.pageSnapshot.deleteMany({});
});

describe("snapshot upload", () => {
  it("stores a requested gzip snapshot once", async () => {
    const { page, snapshotPages } = await claim();
    expect(snapshotPages).toEqual([page.id]);
    const body = gzipSync(JSON.stringify(payload(page)));
    const first = await upload(body, { "Content-Encoding": "gzip" });
    expect(first.status).toBe(200);
    const stored = await latestPageSnapshot(pool, {
      shopId,
      path: page.path,
      device: "desktop",
      band: "1440-1919",
    });
    expect(stored?.node).toEqual(NODE);
    expect(stored?.documentHeight).toBe(3200);

    const again = await upload(body, { "Content-Encoding": "gzip" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("snapshot_not_requested");
  });

  it("stores the key elements' positions", async () => {
    const { page } = await claim();
    const keyElements = [
      { name: "Add to cart", top: 686 },
      { name: "Reviews", top: 2410 },
    ];
    const result = await upload(
      JSON.stringify({ ...payload(page), keyElements }),
    );
    expect(result.status).toBe(200);
    const row = await prisma.pageSnapshot.findFirstOrThrow({
      where: { shopId, pageViewId: page.id },
    });
    expect(row.keyElements).toEqual(keyElements);
  });

  it("rejects an unknown key element by its field", async () => {
    const { page } = await claim();
    const result = await upload(
      JSON.stringify({
        ...payload(page),
        keyElements: [{ name: "Hero banner", top: 10 }],
      }),
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("keyElements.0.name");
  });

  it("accepts plain JSON too", async () => {
    const { page } = await claim();
    const result = await upload(JSON.stringify(payload(page)));
    expect(result.status).toBe(200);
  });

  it("rejects a snapshot nobody asked for", async () => {
    const { page } = await claim();
    const stranger = {
      ...payload(page),
      page: "7d4a3f5e-8c1b-4c7e-9a51-0a3a1c9b2d10",
    };
    const result = await upload(JSON.stringify(stranger));
    expect(result.status).toBe(409);
  });

  it("rejects a snapshot claimed for another path", async () => {
    const { page } = await claim();
    const result = await upload(
      JSON.stringify({ ...payload(page), path: "/other" }),
    );
    expect(result.status).toBe(409);
  });

  it("rejects corrupt gzip", async () => {
    const { page } = await claim();
    const result = await upload(
      new Uint8Array([31, 139, 8, 0, 1, 2, 3]),
      { "Content-Encoding": "gzip" },
      page.id,
    );
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_gzip");
  });

  it("rejects a gzip bomb by its decompressed size", async () => {
    const { page } = await claim();
    const padding = " ".repeat(13 * 1024 * 1024);
    const bomb = gzipSync(`{"v":1,"pad":"${padding}","page":"${page.id}"}`);
    expect(bomb.byteLength).toBeLessThan(2 * 1024 * 1024);
    const result = await upload(bomb, { "Content-Encoding": "gzip" }, page.id);
    expect(result.status).toBe(413);
  });

  it("rejects an unsupported encoding", async () => {
    const { page } = await claim();
    const result = await upload("{}", { "Content-Encoding": "br" }, page.id);
    expect(result.status).toBe(415);
  });

  it("rejects a node that is not an rrweb document", async () => {
    const { page } = await claim();
    const result = await upload(
      JSON.stringify({ ...payload(page), node: "html" }),
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("node");
  });

  it("keeps the stored snapshot when a bad upload follows", async () => {
    const { page } = await claim();
    await upload(JSON.stringify(payload(page)));
    await upload(
      JSON.stringify({ ...payload(page), node: { type: 0, evil: true } }),
    );
    const stored = await latestPageSnapshot(pool, {
      shopId,
      path: page.path,
      device: "desktop",
      band: "1440-1919",
    });
    expect(stored?.node).toEqual(NODE);
  });

  it("turns away an unrequested upload before reading it", async () => {
    const result = await upload(
      new Uint8Array([1, 2, 3]),
      { "Content-Encoding": "gzip" },
      randomUUID(),
    );
    expect(result.status).toBe(409);
  });

  it("requires the shop and page view in the query string", async () => {
    const { page } = await claim();
    const result = await upload(JSON.stringify(payload(page)), {}, null);
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("shop");
  });

  it("rejects a body for another page view than the query", async () => {
    const { page } = await claim();
    const other = await claim();
    const result = await upload(
      JSON.stringify(payload(other.page)),
      {},
      page.id,
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("page");
  });

  it("rejects a tree nested 200,000 levels deep", async () => {
    const { page } = await claim();
    // Built as text: JSON.stringify itself cannot recurse this deep.
    const levels = 200_000;
    const node =
      '{"type":2,"childNodes":['.repeat(levels) +
      '{"type":3}' +
      "]}".repeat(levels);
    const envelope = JSON.stringify({ ...payload(page), node: null });
    const result = await upload(
      gzipSync(envelope.replace('"node":null', `"node":${node}`)),
      { "Content-Encoding": "gzip" },
      page.id,
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("node");
  });

  it("rejects a tree with a node that is not an object", async () => {
    const { page } = await claim();
    const node = { type: 0, childNodes: [{ type: 99 }, null, 5] };
    const result = await upload(JSON.stringify({ ...payload(page), node }));
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("node");
  });
});
