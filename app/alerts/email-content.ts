import { formatMoney } from "~/components/format";
import { ALERT_KIND_LABELS, type AlertKind } from "./alert-kinds";
import type { EvidenceLink } from "./alert-content";

/** The fields of a stored alert that an email shows. */
export interface AlertForEmail {
  kind: string;
  severity: string;
  title: string;
  summary: string;
  revenueAtStake: string | null;
  currency: string;
  evidence: EvidenceLink[];
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export const SEVERITY_LABELS: Record<string, string> = {
  critical: "Critical",
  warning: "Warning",
  info: "Info",
};

/**
 * Renders an alert as an email in plain text and HTML. `link` turns an
 * in-app path into an absolute URL the merchant can open from a mailbox.
 */
export function renderAlertEmail(
  alert: AlertForEmail,
  shopName: string,
  link: (path: string) => string,
): RenderedEmail {
  const kind = ALERT_KIND_LABELS[alert.kind as AlertKind] ?? alert.kind;
  const severity = SEVERITY_LABELS[alert.severity] ?? alert.severity;
  const atStake =
    alert.revenueAtStake === null
      ? null
      : formatMoney(alert.revenueAtStake, alert.currency);
  const links = [
    ...alert.evidence,
    { label: "All alerts", path: "/app/inbox" },
    { label: "Alert settings", path: "/app/settings" },
  ].map((item) => ({ label: item.label, url: link(item.path) }));

  const text = [
    `${severity} · ${kind} · ${shopName}`,
    "",
    alert.title,
    "",
    alert.summary,
    ...(atStake ? ["", `Revenue at stake (estimate): ${atStake}`] : []),
    "",
    ...links.map((item) => `${item.label}: ${item.url}`),
    "",
    "You get this email because alert emails are on in Storelens.",
  ].join("\n");

  const html = `<!doctype html>
<html><body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#202223;max-width:560px">
<p style="color:#6d7175;font-size:13px">${escapeHtml(`${severity} · ${kind} · ${shopName}`)}</p>
<h1 style="font-size:18px">${escapeHtml(alert.title)}</h1>
<p>${escapeHtml(alert.summary)}</p>
${atStake ? `<p><strong>Revenue at stake (estimate): ${escapeHtml(atStake)}</strong></p>` : ""}
<ul>
${links.map((item) => `<li><a href="${escapeHtml(item.url)}">${escapeHtml(item.label)}</a></li>`).join("\n")}
</ul>
<p style="color:#6d7175;font-size:12px">You get this email because alert emails are on in Storelens.</p>
</body></html>`;

  return { subject: alert.title, text, html };
}
