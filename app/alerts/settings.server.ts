import { prisma } from "~/db.server";
import { DEFAULT_PREFERENCES, type AlertPreferences } from "./alert-settings";

/** Reads a shop's alert preferences, or the defaults when it has none. */
export async function loadPreferences(
  shopId: string,
): Promise<AlertPreferences> {
  const row = await prisma.alertSettings.findUnique({ where: { shopId } });
  if (!row) return { ...DEFAULT_PREFERENCES };
  return {
    shopEmail: row.shopEmail,
    recipients: row.recipients,
    emailEnabled: row.emailEnabled,
    quietStartMinute: row.quietStartMinute,
    quietEndMinute: row.quietEndMinute,
    dailyEmailCap: row.dailyEmailCap,
    weeklyDigestEnabled: row.weeklyDigestEnabled,
    mutedKinds: row.mutedKinds,
    frictionMinSessions: row.frictionMinSessions,
    frictionSpikeRatio: row.frictionSpikeRatio,
    dropMinPercent: row.dropMinPercent,
    dropMinSessions: row.dropMinSessions,
  };
}

/** Stores the preferences from the settings page; the shop email stays. */
export async function savePreferences(
  shopId: string,
  preferences: Omit<AlertPreferences, "shopEmail">,
): Promise<void> {
  await prisma.alertSettings.upsert({
    where: { shopId },
    create: { shopId, ...preferences },
    update: preferences,
  });
}

/** Records the shop's email address from Shopify, e.g. on install. */
export async function recordShopEmail(
  shopId: string,
  email: string | null | undefined,
): Promise<void> {
  const shopEmail = email?.trim() || null;
  await prisma.alertSettings.upsert({
    where: { shopId },
    create: { shopId, shopEmail },
    update: { shopEmail },
  });
}

/** Adds a kind to the muted ones, from the inbox's "Mute" action. */
export async function muteKind(shopId: string, kind: string): Promise<void> {
  const current = await loadPreferences(shopId);
  if (current.mutedKinds.includes(kind)) return;
  const mutedKinds = [...current.mutedKinds, kind];
  await prisma.alertSettings.upsert({
    where: { shopId },
    create: { shopId, mutedKinds },
    update: { mutedKinds },
  });
}
