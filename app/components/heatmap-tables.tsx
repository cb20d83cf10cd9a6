import { Link } from "@remix-run/react";
import { DataTable, Text } from "@shopify/polaris";
import type { ElementConversion } from "~/analytics/element-conversion";
import { MIN_SESSIONS_FOR_RATE } from "~/analytics/element-conversion";
import type { ScrollReach } from "~/analytics/scroll-reach";
import { formatMoney, formatPercent } from "./format";

/** Rows of the conversion table: the elements with the most sessions. */
const CONVERSION_ROWS = 15;

export function TopElementsTable(props: {
  heading: string;
  countHeading: string;
  elements: { selector: string; clicks: number; share: number }[];
  /** Recordings of the sessions behind an element. */
  sessionsUrl: (selector: string) => string;
}) {
  return (
    <DataTable
      columnContentTypes={["text", "numeric", "numeric", "text"]}
      headings={[props.heading, props.countHeading, "Share", "Recordings"]}
      rows={props.elements.map((element) => [
        <code key={element.selector}>{element.selector}</code>,
        element.clicks.toLocaleString("en-US"),
        `${(element.share * 100).toFixed(1)}%`,
        <Link key="sessions" to={props.sessionsUrl(element.selector)}>
          Sessions
        </Link>,
      ])}
    />
  );
}

export function ScrollReachTable({ scroll }: { scroll: ScrollReach }) {
  return (
    <DataTable
      columnContentTypes={["text", "numeric"]}
      headings={["Depth of the page", "Page views that reached it"]}
      rows={scroll.reach
        .map((share, band) => ({ share, band }))
        .filter(({ band }) => band % 2 === 0)
        .map(({ share, band }) => [
          `${band * scroll.bandPercent}%`,
          `${Math.round(share * 100)}%`,
        ])}
    />
  );
}

export function ConversionTable(props: {
  elements: ElementConversion[];
  currency: string;
}) {
  const rows = props.elements.slice(0, CONVERSION_ROWS).map((element) => [
    <code key={element.selector}>{element.selector}</code>,
    element.sessions.toLocaleString("en-US"),
    element.convertedSessions.toLocaleString("en-US"),
    element.tooSmall ? (
      <Text key="small" as="span" tone="caution">
        Too few sessions
      </Text>
    ) : (
      formatPercent(element.conversionRate)
    ),
    element.tooSmall ? "–" : formatMoney(element.rps, props.currency),
  ]);
  return (
    <>
      <DataTable
        columnContentTypes={[
          "text",
          "numeric",
          "numeric",
          "numeric",
          "numeric",
        ]}
        headings={[
          "Clicked element",
          "Sessions",
          "Bought after",
          "Conversion",
          "RPS",
        ]}
        rows={rows}
      />
      <div style={{ padding: "12px 16px" }}>
        <Text as="p" tone="subdued">
          A session counts as bought when the same visit placed an order after
          its first click on the element; RPS is the net revenue of those orders
          per session that clicked. Rates need at least {MIN_SESSIONS_FOR_RATE}{" "}
          sessions.
        </Text>
      </div>
    </>
  );
}
