// Classifies where a visit came from, from its landing page's UTM
// parameters and referrer. Pure, so the rules are testable with exact cases.

export type Channel =
  "direct" | "organic_search" | "paid" | "social" | "email" | "referral";

export interface Landing {
  referrer: string;
  utmSource?: string;
  utmMedium?: string;
}

export interface ChannelDecision {
  channel: Channel;
  /**
   * True when the referrer is a payment provider or the shop's own checkout:
   * the shopper is coming back from paying, so the visit keeps the channel
   * of the visitor's previous session instead of getting a new one.
   */
  inheritsPrevious: boolean;
}

const PAID_MEDIUMS = /^(cpc|ppc|cpm|cpv|paid.*|display|affiliate|shopping)$/;
const EMAIL_MEDIUMS = /^(e-?mail|newsletter)$/;
const SOCIAL_MEDIUMS = /^(social|social-.*|sm)$/;

const SEARCH_HOSTS =
  /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|qwant|startpage)\.[a-z.]+$|(^|\.)search\.brave\.com$/;
const SOCIAL_HOSTS =
  /(^|\.)(facebook\.com|fb\.me|instagram\.com|t\.co|twitter\.com|x\.com|linkedin\.com|lnkd\.in|pinterest\.[a-z.]+|tiktok\.com|reddit\.com|youtube\.com|snapchat\.com|threads\.net)$/;

/** Hosts that send shoppers back to the shop after they pay. */
export const PAYMENT_HOSTS =
  /(^|\.)(paypal\.com|klarna\.com|stripe\.com|afterpay\.com|clearpay\.co\.uk|affirm\.com|sezzle\.com|shop\.app|checkout\.shopify\.com|pay\.shopify\.com|adyen\.com|mollie\.com)$/;

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Decides the channel of a visit. UTM parameters win over the referrer,
 * because merchants tag paid and e-mail links on purpose. `ownHosts` are the
 * shop's storefront hosts: a referrer from the shop itself is not a source.
 */
export function classifyChannel(
  landing: Landing,
  ownHosts: string[],
): ChannelDecision {
  const medium = landing.utmMedium?.trim().toLowerCase() ?? "";
  if (PAID_MEDIUMS.test(medium)) return decided("paid");
  if (EMAIL_MEDIUMS.test(medium)) return decided("email");
  if (SOCIAL_MEDIUMS.test(medium)) return decided("social");

  const host = hostOf(landing.referrer);
  if (host && PAYMENT_HOSTS.test(host)) {
    return { channel: "direct", inheritsPrevious: true };
  }
  if (host && ownHosts.includes(host)) {
    return { channel: "direct", inheritsPrevious: true };
  }
  if (landing.utmSource?.trim()) return decided("referral");
  if (!host) return decided("direct");
  if (SEARCH_HOSTS.test(host)) return decided("organic_search");
  if (SOCIAL_HOSTS.test(host)) return decided("social");
  return decided("referral");
}

function decided(channel: Channel): ChannelDecision {
  return { channel, inheritsPrevious: false };
}

/** Device class from a user agent, for visits seen only by the web pixel. */
export function deviceFromUserAgent(userAgent: string | null): string {
  if (!userAgent) return "desktop";
  if (/iPad|Tablet|Android(?!.*Mobile)/i.test(userAgent)) return "tablet";
  if (/Mobi|iPhone|iPod|Android/i.test(userAgent)) return "mobile";
  return "desktop";
}
