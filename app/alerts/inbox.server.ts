import type { Prisma } from "@prisma/client";
import { localDay } from "~/analytics/date-range.server";
import { prisma } from "~/db.server";
import { ALERT_KIND_LABELS, type AlertKind } from "./alert-kinds";
import type { EvidenceLink } from "./alert-content";
import { addDays } from "./days";
import { loadPreferences } from "./settings.server";

/** Alerts listed on one inbox page at most. */
const PAGE_SIZE = 50;
const DIGEST_DAYS = 7;

/** The inbox's views: open alerts, snoozed ones, or every alert. */
export type InboxView = "open" | "snoozed" | "all";

export interface InboxAlert {
  id: string;
  kind: string;
  kindLabel: string;
  period: string;
  severity: string;
  title: string;
  summary: string;
  revenueAtStake: string | null;
  currency: string;
  evidence: EvidenceLink[];
  createdAt: string;
  read: boolean;
  snoozedUntil: string | null;
  /** Delivery of the alert's emails, one entry per recipient. */
  emails: { recipient: string; status: string; error: string | null }[];
}

/** Conditions that hide muted kinds and, for open alerts, snoozed ones. */
function visible(
  shopId: string,
  mutedKinds: string[],
  now: Date,
  view: InboxView,
): Prisma.AlertWhereInput {
  const where: Prisma.AlertWhereInput = {
    shopId,
    kind: { notIn: mutedKinds },
  };
  if (view === "open") {
    where.OR = [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }];
  } else if (view === "snoozed") {
    where.snoozedUntil = { gt: now };
  }
  return where;
}

const WITH_EMAILS = {
  emails: {
    select: { recipient: true, status: true, lastError: true },
    orderBy: { recipient: "asc" },
  },
} satisfies Prisma.AlertInclude;

function toInboxAlert(
  row: Prisma.AlertGetPayload<{ include: typeof WITH_EMAILS }>,
): InboxAlert {
  return {
    id: row.id.toString(),
    kind: row.kind,
    kindLabel: ALERT_KIND_LABELS[row.kind as AlertKind] ?? row.kind,
    period: row.period,
    severity: row.severity,
    title: row.title,
    summary: row.summary,
    revenueAtStake: row.revenueAtStake?.toFixed(2) ?? null,
    currency: row.currency,
    evidence: row.evidence as unknown as EvidenceLink[],
    createdAt: row.createdAt.toISOString(),
    read: row.readAt !== null,
    snoozedUntil: row.snoozedUntil?.toISOString() ?? null,
    emails: row.emails.map((email) => ({
      recipient: email.recipient,
      status: email.status,
      error: email.lastError,
    })),
  };
}

/** Counts unread, unsnoozed alerts of kinds that are not muted. */
export async function unreadAlertCount(
  shopId: string,
  now: Date = new Date(),
): Promise<number> {
  const { mutedKinds } = await loadPreferences(shopId);
  return prisma.alert.count({
    where: { ...visible(shopId, mutedKinds, now, "open"), readAt: null },
  });
}

/** Lists the shop's alerts for an inbox view, newest first. */
export async function listAlerts(
  shopId: string,
  view: InboxView,
  now: Date = new Date(),
): Promise<InboxAlert[]> {
  const { mutedKinds } = await loadPreferences(shopId);
  const rows = await prisma.alert.findMany({
    where: visible(shopId, mutedKinds, now, view),
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: PAGE_SIZE,
    include: WITH_EMAILS,
  });
  return rows.map(toInboxAlert);
}

/** Marks alerts of the shop read or unread; ids of other shops match nothing. */
export async function setAlertsRead(
  shopId: string,
  ids: bigint[],
  read: boolean,
  now: Date = new Date(),
): Promise<number> {
  const result = await prisma.alert.updateMany({
    where: { shopId, id: { in: ids } },
    data: { readAt: read ? now : null },
  });
  return result.count;
}

/** Marks every open alert of the shop read. */
export async function markAllRead(
  shopId: string,
  now: Date = new Date(),
): Promise<number> {
  const result = await prisma.alert.updateMany({
    where: { shopId, readAt: null },
    data: { readAt: now },
  });
  return result.count;
}

/** Hides an alert from the open view until `until`, or shows it again. */
export async function snoozeAlert(
  shopId: string,
  id: bigint,
  until: Date | null,
): Promise<number> {
  const result = await prisma.alert.updateMany({
    where: { shopId, id },
    data: { snoozedUntil: until },
  });
  return result.count;
}

export interface WeeklyDigest {
  from: string;
  to: string;
  total: number;
  revenueAtStake: string;
  currency: string;
  byKind: { kind: string; label: string; count: number }[];
  bySeverity: { severity: string; count: number }[];
  top: InboxAlert[];
  emails: { sent: number; skipped: number; failed: number; pending: number };
}

/** Summarises the last seven shop-local days of alerts, today included. */
export async function weeklyDigest(
  shop: { id: string; timezone: string; currency: string },
  now: Date = new Date(),
): Promise<WeeklyDigest> {
  const to = localDay(now, shop.timezone);
  return digestOfDays(shop, addDays(to, -(DIGEST_DAYS - 1)), to);
}

/**
 * Summarises the alerts of shop-local days `from` to `to` (inclusive),
 * muted kinds included: counts by kind and severity, the revenue at stake,
 * the five alerts with the most at stake, and what happened to their emails.
 */
export async function digestOfDays(
  shop: { id: string; currency: string },
  from: string,
  to: string,
): Promise<WeeklyDigest> {
  const where = { shopId: shop.id, period: { gte: from, lte: to } };
  const [byKind, bySeverity, total, emails, top] = await Promise.all([
    prisma.alert.groupBy({
      by: ["kind"],
      where,
      _count: { _all: true },
    }),
    prisma.alert.groupBy({
      by: ["severity"],
      where,
      _count: { _all: true },
    }),
    prisma.alert.aggregate({
      where,
      _count: { _all: true },
      _sum: { revenueAtStake: true },
    }),
    prisma.alertEmail.groupBy({
      by: ["status"],
      where: { shopId: shop.id, alert: where },
      _count: { _all: true },
    }),
    prisma.alert.findMany({
      where: { ...where, revenueAtStake: { not: null } },
      orderBy: [{ revenueAtStake: "desc" }, { id: "desc" }],
      take: 5,
      include: WITH_EMAILS,
    }),
  ]);
  const emailCount = (status: string) =>
    emails.find((row) => row.status === status)?._count._all ?? 0;
  return {
    from,
    to,
    total: total._count._all,
    revenueAtStake: (total._sum.revenueAtStake ?? 0).toString(),
    currency: shop.currency,
    byKind: byKind
      .map((row) => ({
        kind: row.kind,
        label: ALERT_KIND_LABELS[row.kind as AlertKind] ?? row.kind,
        count: row._count._all,
      }))
      .sort((a, b) => b.count - a.count),
    bySeverity: bySeverity.map((row) => ({
      severity: row.severity,
      count: row._count._all,
    })),
    top: top.map(toInboxAlert),
    emails: {
      sent: emailCount("sent"),
      skipped: emailCount("skipped"),
      failed: emailCount("failed"),
      pending: emailCount("pending") + emailCount("sending"),
    },
  };
}
