/** Alerts a merchant can turn on and off. */
export const ALERT_KINDS = [
  "friction-new",
  "friction-spike",
  "rps-drop",
  "conversion-drop",
] as const;

export type DetectedAlertKind = (typeof ALERT_KINDS)[number];

/** Raised by the mailer when an address rejects alert emails for good. */
export const EMAIL_FAILED_KIND = "email-failed";

export type AlertKind = DetectedAlertKind | typeof EMAIL_FAILED_KIND;

/** Kind of a weekly digest in the email outbox; never stored as an alert. */
export const WEEKLY_DIGEST_KIND = "weekly-digest";

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  "friction-new": "New friction",
  "friction-spike": "Friction spike",
  "rps-drop": "Revenue per session drop",
  "conversion-drop": "Conversion drop",
  "email-failed": "Alert email failed",
};

export type Severity = "critical" | "warning" | "info";

export function isDetectedAlertKind(kind: string): kind is DetectedAlertKind {
  return (ALERT_KINDS as readonly string[]).includes(kind);
}
