import { prisma } from "~/db.server";
import { redactShop } from "~/shops.server";
import { sessionToken, storeOfflineSession } from "../../test/support/shopify";
import { action as inboxAction, loader as inboxLoader } from "./app.inbox";
import {
  action as settingsAction,
  loader as settingsLoader,
} from "./app.settings";
import { loader as appLoader } from "./app";

const SHOP_A = "inbox-a.myshopify.com";
const SHOP_B = "inbox-b.myshopify.com";

function call<T>(handler: (args: any) => Promise<T>, request: Request) {
  return handler({ request, params: {}, context: {} });
}

function get(shop: string, path: string): Request {
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, {
    headers: { Authorization: `Bearer ${sessionToken(shop)}` },
  });
}

function post(shop: string, path: string, fields: [string, string][]) {
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${sessionToken(shop)}` },
    body: new URLSearchParams(fields),
  });
}

/** Reads a route's result whether it is plain data or data() with a status. */
function unwrap(result: unknown): { status: number; body: any } {
  if (result && typeof result === "object" && "type" in result) {
    const wrapped = result as unknown as {
      data: unknown;
      init?: { status?: number };
    };
    return { status: wrapped.init?.status ?? 200, body: wrapped.data };
  }
  return { status: 200, body: result };
}

const shops: Record<string, string> = {};

async function alertFor(
  shopId: string,
  subject: string,
  kind = "friction-new",
) {
  return prisma.alert.create({
    data: {
      shopId,
      kind,
      subject,
      period: new Date().toISOString().slice(0, 10),
      severity: "warning",
      title: `Alert on ${subject}`,
      summary: "Summary",
      revenueAtStake: "12.50",
      currency: "USD",
      details: {},
      evidence: [{ label: "Friction report", path: "/app/friction" }],
    },
  });
}

beforeAll(async () => {
  for (const domain of [SHOP_A, SHOP_B]) {
    const shop = await prisma.shop.create({
      data: { domain, firstEventAt: new Date() },
    });
    shops[domain] = shop.id;
    await storeOfflineSession(domain);
  }
});

const VALID_SETTINGS: [string, string][] = [
  ["recipients", "Owner@Shop.test\nops@shop.test, owner@shop.test"],
  ["emailEnabled", "on"],
  ["quietStart", "21:30"],
  ["quietEnd", "07:00"],
  ["dailyEmailCap", "3"],
  ["frictionMinSessions", "8"],
  ["frictionSpikeRatio", "2.5"],
  ["dropMinPercent", "25"],
  ["dropMinSessions", "300"],
  ["enabledKinds", "friction-new"],
  ["enabledKinds", "rps-drop"],
];

describe("settings page", () => {
  it("saves valid settings for the session's shop only", async () => {
    const result = unwrap(
      await call(settingsAction, post(SHOP_A, "/app/settings", VALID_SETTINGS)),
    );
    expect(result.status).toBe(200);
    expect(result.body.saved).toBe(true);
    const stored = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shops[SHOP_A] },
    });
    expect(stored.recipients).toEqual(["owner@shop.test", "ops@shop.test"]);
    expect(stored.quietStartMinute).toBe(21 * 60 + 30);
    expect(stored.quietEndMinute).toBe(7 * 60);
    expect(stored.dailyEmailCap).toBe(3);
    expect(stored.frictionSpikeRatio).toBe(2.5);
    expect(stored.mutedKinds).toEqual(["friction-spike", "conversion-drop"]);
    expect(
      await prisma.alertSettings.findUnique({
        where: { shopId: shops[SHOP_B] },
      }),
    ).toBeNull();

    const page = (await call(
      settingsLoader,
      get(SHOP_A, "/app/settings"),
    )) as any;
    expect(page.values.quietStart).toBe("21:30");
    expect(page.values.enabledKinds).toEqual(["friction-new", "rps-drop"]);
  });

  it("rejects bad input field by field and keeps stored values", async () => {
    const before = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shops[SHOP_A] },
    });
    const bad = new Map(VALID_SETTINGS);
    const fields: [string, string][] = [
      ["recipients", "owner@shop.test\nnot-an-address"],
      ["quietStart", "25:00"],
      ["quietEnd", "07:00"],
      ["dailyEmailCap", "0"],
      ["frictionMinSessions", "-3"],
      ["frictionSpikeRatio", "abc"],
      ["dropMinPercent", "95"],
      ["dropMinSessions", bad.get("dropMinSessions")!],
      ["enabledKinds", "no-such-kind"],
    ];
    const result = unwrap(
      await call(settingsAction, post(SHOP_A, "/app/settings", fields)),
    );
    expect(result.status).toBe(400);

    const errors = result.body.errors;
    expect(errors.recipients).toBe(
      '"not-an-address" is not a valid email address. Use the form name@example.com.',
    );
    expect(errors.quietStart).toBe("Enter a time as HH:MM, for example 21:00.");
    expect(errors.dailyEmailCap).toBe(
      "The daily email limit must be a whole number from 1 to 50.",
    );
    expect(errors.frictionMinSessions).toBe(
      "Shoppers affected must be a whole number from 1 to 1000.",
    );
    expect(errors.frictionSpikeRatio).toBe(
      "The spike ratio must be a number from 1.5 to 20.",
    );
    expect(errors.dropMinPercent).toBe(
      "The drop threshold must be a whole number from 5 to 90.",
    );
    expect(errors.enabledKinds).toBeDefined();
    expect(errors.dropMinSessions).toBeUndefined();

    const after = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shops[SHOP_A] },
    });
    expect(after).toEqual(before);
  });

  it("asks for both ends of quiet hours", async () => {
    const fields = VALID_SETTINGS.map(([name, value]): [string, string] =>
      name === "quietEnd" ? [name, ""] : [name, value],
    );
    const result = unwrap(
      await call(settingsAction, post(SHOP_B, "/app/settings", fields)),
    );
    expect(result.status).toBe(400);
    expect(result.body.errors.quietEnd).toBe(
      "Enter both the start and the end of quiet hours, or neither.",
    );
  });

  it("rejects more than ten recipients", async () => {
    const many = Array.from({ length: 11 }, (_, i) => `r${i}@shop.test`);
    const fields = VALID_SETTINGS.map(([name, value]): [string, string] =>
      name === "recipients" ? [name, many.join("\n")] : [name, value],
    );
    const result = unwrap(
      await call(settingsAction, post(SHOP_B, "/app/settings", fields)),
    );
    expect(result.body.errors.recipients).toBe("Enter at most 10 addresses.");
  });

  it("turns the weekly digest off and on", async () => {
    const save = async (fields: [string, string][]) => {
      const result = unwrap(
        await call(settingsAction, post(SHOP_B, "/app/settings", fields)),
      );
      expect(result.status).toBe(200);
      const stored = await prisma.alertSettings.findUniqueOrThrow({
        where: { shopId: shops[SHOP_B] },
      });
      const page = (await call(
        settingsLoader,
        get(SHOP_B, "/app/settings"),
      )) as any;
      return { stored: stored.weeklyDigestEnabled, shown: page.values };
    };

    const off = await save(VALID_SETTINGS);
    expect(off.stored).toBe(false);
    expect(off.shown.weeklyDigest).toBe(false);
    const on = await save([...VALID_SETTINGS, ["weeklyDigest", "on"]]);
    expect(on.stored).toBe(true);
    expect(on.shown.weeklyDigest).toBe(true);
  });

  it("rejects a malformed weekly digest value", async () => {
    const before = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shops[SHOP_B] },
    });
    const result = unwrap(
      await call(
        settingsAction,
        post(SHOP_B, "/app/settings", [
          ...VALID_SETTINGS,
          ["weeklyDigest", "weekly"],
        ]),
      ),
    );
    expect(result.status).toBe(400);
    expect(result.body.errors.weeklyDigest).toBe(
      "The weekly digest must be on or off. Tick the box or clear it.",
    );
    expect(Object.keys(result.body.errors)).toEqual(["weeklyDigest"]);
    const after = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shops[SHOP_B] },
    });
    expect(after).toEqual(before);
  });
});

describe("inbox", () => {
  it("counts, reads, snoozes and mutes per shop", async () => {
    const a1 = await alertFor(shops[SHOP_A], "/a #one");
    const a2 = await alertFor(shops[SHOP_A], "/a #two", "rps-drop");
    const b1 = await alertFor(shops[SHOP_B], "/b #one");

    const layout = (await call(appLoader, get(SHOP_A, "/app"))) as any;
    expect(layout.unreadAlerts).toBe(2);

    // Shop B cannot touch shop A's alert.
    const foreign = unwrap(
      await call(
        inboxAction,
        post(SHOP_B, "/app/inbox", [
          ["intent", "read"],
          ["id", a1.id.toString()],
        ]),
      ),
    );
    expect(foreign.status).toBe(404);
    expect(
      (
        await prisma.alert.findUniqueOrThrow({
          where: { shopId_id: { shopId: shops[SHOP_A], id: a1.id } },
        })
      ).readAt,
    ).toBeNull();

    await call(
      inboxAction,
      post(SHOP_A, "/app/inbox", [
        ["intent", "read"],
        ["id", a1.id.toString()],
      ]),
    );
    await call(
      inboxAction,
      post(SHOP_A, "/app/inbox", [
        ["intent", "snooze"],
        ["id", a2.id.toString()],
        ["days", "7"],
      ]),
    );
    expect(
      ((await call(appLoader, get(SHOP_A, "/app"))) as any).unreadAlerts,
    ).toBe(0);
    const open = (await call(inboxLoader, get(SHOP_A, "/app/inbox"))) as any;
    expect(open.alerts.map((a: any) => a.id)).toEqual([a1.id.toString()]);
    const snoozed = (await call(
      inboxLoader,
      get(SHOP_A, "/app/inbox?view=snoozed"),
    )) as any;
    expect(snoozed.alerts.map((a: any) => a.id)).toEqual([a2.id.toString()]);

    await call(
      inboxAction,
      post(SHOP_A, "/app/inbox", [
        ["intent", "mute"],
        ["kind", "friction-new"],
      ]),
    );
    const muted = (await call(inboxLoader, get(SHOP_A, "/app/inbox"))) as any;
    expect(muted.alerts).toEqual([]);
    // Shop A's settings turned two kinds off earlier in this file.
    expect(muted.muted).toEqual([
      "Friction spike",
      "Conversion drop",
      "New friction",
    ]);
    // Shop B's alerts and count are untouched.
    const other = (await call(inboxLoader, get(SHOP_B, "/app/inbox"))) as any;
    expect(other.alerts.map((a: any) => a.id)).toEqual([b1.id.toString()]);
    expect(other.unread).toBe(1);
  });

  it("rejects malformed actions with a message", async () => {
    const cases: [string, string][][] = [
      [["intent", "read"]],
      [
        ["intent", "read"],
        ["id", "12; DROP TABLE"],
      ],
      [
        ["intent", "snooze"],
        ["id", "1"],
        ["days", "365"],
      ],
      [
        ["intent", "mute"],
        ["kind", "email-failed"],
      ],
      [["intent", "explode"]],
    ];
    for (const fields of cases) {
      const result = unwrap(
        await call(inboxAction, post(SHOP_A, "/app/inbox", fields)),
      );
      expect(result.status).toBe(400);
      expect(typeof result.body.error).toBe("string");
    }
  });

  it("summarises the week in the digest", async () => {
    const digest = (await call(
      inboxLoader,
      get(SHOP_B, "/app/inbox?view=digest"),
    )) as any;
    expect(digest.digest.total).toBe(1);
    expect(digest.digest.revenueAtStake).toBe("12.5");
    expect(digest.digest.byKind).toEqual([
      { kind: "friction-new", label: "New friction", count: 1 },
    ]);
  });

  it("removes a redacted shop's alerts and settings", async () => {
    // The settings tests above may have stored settings for shop B.
    await prisma.alertSettings.upsert({
      where: { shopId: shops[SHOP_B] },
      create: { shopId: shops[SHOP_B], recipients: ["b@shop.test"] },
      update: { recipients: ["b@shop.test"] },
    });
    const alert = await alertFor(shops[SHOP_B], "/b #redacted");
    await prisma.alertEmail.create({
      data: {
        shopId: shops[SHOP_B],
        digestWeek: "2026-11-23",
        recipient: "b@shop.test",
        messageId: "<redacted-digest@storelens.test>",
        nextAttemptAt: new Date(),
        subject: "s",
        text: "t",
        html: "h",
      },
    });
    await prisma.alertEmail.create({
      data: {
        shopId: shops[SHOP_B],
        alertId: alert.id,
        recipient: "b@shop.test",
        messageId: "<redacted@storelens.test>",
        nextAttemptAt: new Date(),
        subject: "s",
        text: "t",
        html: "h",
      },
    });
    const domain = "inbox-c.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    await alertFor(shop.id, "/c #kept");

    expect(await redactShop(SHOP_B)).toBe(1);
    expect(await prisma.alert.count({ where: { shopId: shops[SHOP_B] } })).toBe(
      0,
    );
    expect(
      await prisma.alertEmail.count({ where: { shopId: shops[SHOP_B] } }),
    ).toBe(0);
    expect(
      await prisma.alertSettings.count({ where: { shopId: shops[SHOP_B] } }),
    ).toBe(0);
    expect(await prisma.alert.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
