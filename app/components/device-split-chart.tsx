import { useEffect, useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { RevenueCounts } from "~/analytics/revenue/metrics";
import { revenueRates } from "~/analytics/revenue/metrics";
import { formatMoney } from "./format";

/** RPS per device class as bars, drawn after hydration like the trend. */
export function DeviceSplitChart(props: {
  rows: (RevenueCounts & { key: string })[];
  currency: string;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const data = props.rows.map((row) => ({
    device: row.key,
    // Bar heights are plotted as numbers; the tooltip shows the amount.
    rps: Number(revenueRates(row).rps ?? 0),
    sessions: row.sessions,
  }));
  if (!mounted) return <div style={{ height: 220 }} />;
  return (
    <div style={{ height: 220 }} data-testid="device-split">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={data}
          margin={{ top: 8, right: 16, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="device" />
          <YAxis />
          <Tooltip
            formatter={(value) => formatMoney(Number(value), props.currency)}
          />
          <Bar dataKey="rps" name="RPS" fill="#008060" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
