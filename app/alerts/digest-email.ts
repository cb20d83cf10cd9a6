import { formatMoney, plural } from "~/components/format";
import {
  escapeHtml,
  SEVERITY_LABELS,
  type RenderedEmail,
} from "./email-content";
import type { WeeklyDigest } from "./inbox.server";

const SEVERITY_ORDER = ["critical", "warning", "info"];

interface DigestLine {
  text: string;
  /** Absolute URL the line links to in HTML and lists in text. */
  url?: string;
}

/**
 * Renders a weekly digest as an email in plain text and HTML: counts by
 * kind and severity, the revenue at stake, the alerts with the most at
 * stake with links to their evidence, and what happened to alert emails.
 * `link` turns an in-app path into an absolute URL.
 */
export function renderDigestEmail(
  digest: WeeklyDigest,
  shopName: string,
  link: (path: string) => string,
): RenderedEmail {
  const period = `${digest.from} to ${digest.to}`;
  const atStake = formatMoney(digest.revenueAtStake, digest.currency);
  const headline = `${plural(digest.total, "alert", "alerts")} this week, with ${atStake} of revenue at stake (estimate).`;
  const severities = [...digest.bySeverity]
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
    )
    .map(
      (row) =>
        `${row.count} ${(SEVERITY_LABELS[row.severity] ?? row.severity).toLowerCase()}`,
    )
    .join(", ");
  const kinds: DigestLine[] = digest.byKind.map((row) => ({
    text: `${row.label}: ${row.count}`,
  }));
  const top: DigestLine[] = digest.top.map((alert) => {
    const evidence = alert.evidence[0];
    const money =
      alert.revenueAtStake === null
        ? ""
        : ` (${formatMoney(alert.revenueAtStake, alert.currency)} at stake)`;
    return {
      text: `${alert.period}: ${alert.title}${money}`,
      url: evidence ? link(evidence.path) : undefined,
    };
  });
  const { sent, pending, skipped, failed } = digest.emails;
  const delivery = `Alert emails: ${sent} sent, ${pending} waiting, ${skipped} not sent (settings, quiet hours or the daily limit), ${failed} failed.`;
  const links = [
    { text: "All alerts", url: link("/app/inbox?view=all") },
    { text: "Alert settings", url: link("/app/settings") },
  ];
  const footer =
    "You get this email because the weekly digest is on in Storelens alert settings.";

  const textList = (lines: DigestLine[]) =>
    lines.map((line) =>
      line.url ? `- ${line.text}\n  ${line.url}` : `- ${line.text}`,
    );
  const text = [
    `Weekly digest · ${shopName} · ${period}`,
    "",
    headline,
    `By severity: ${severities}.`,
    "",
    "By kind:",
    ...textList(kinds),
    ...(top.length > 0 ? ["", "Most revenue at stake:", ...textList(top)] : []),
    "",
    delivery,
    "",
    ...links.map((item) => `${item.text}: ${item.url}`),
    "",
    footer,
  ].join("\n");

  const htmlList = (lines: DigestLine[]) =>
    `<ul>\n${lines
      .map((line) =>
        line.url
          ? `<li><a href="${escapeHtml(line.url)}">${escapeHtml(line.text)}</a></li>`
          : `<li>${escapeHtml(line.text)}</li>`,
      )
      .join("\n")}\n</ul>`;
  const html = `<!doctype html>
<html><body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#202223;max-width:560px">
<p style="color:#6d7175;font-size:13px">${escapeHtml(`Weekly digest · ${shopName} · ${period}`)}</p>
<h1 style="font-size:18px">${escapeHtml(headline)}</h1>
<p>${escapeHtml(`By severity: ${severities}.`)}</p>
<h2 style="font-size:15px">By kind</h2>
${htmlList(kinds)}
${top.length > 0 ? `<h2 style="font-size:15px">Most revenue at stake</h2>\n${htmlList(top)}` : ""}
<p>${escapeHtml(delivery)}</p>
${htmlList(links)}
<p style="color:#6d7175;font-size:12px">${escapeHtml(footer)}</p>
</body></html>`;

  return {
    subject: `Weekly alert digest for ${shopName}: ${plural(digest.total, "alert", "alerts")}, ${period}`,
    text,
    html,
  };
}
