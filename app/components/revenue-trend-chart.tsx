import { useEffect, useState } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DayRevenueRow } from "~/analytics/revenue/revenue-by-day.server";
import { formatMoney } from "./format";

/**
 * Sessions and RPS per day. Rendered after hydration only: recharts
 * measures its container, which does not exist during server rendering.
 */
export function RevenueTrendChart(props: {
  days: DayRevenueRow[];
  currency: string;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const data = props.days.map((day) => ({
    day: day.day.slice(5),
    sessions: day.sessions,
    rps: day.sessions > 0 ? Number(day.netRevenue) / day.sessions : 0,
    revenue: Number(day.netRevenue),
  }));
  if (!mounted) return <div style={{ height: 280 }} />;
  return (
    <div style={{ height: 280 }} data-testid="revenue-trend">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart
          data={data}
          margin={{ top: 8, right: 24, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis yAxisId="sessions" allowDecimals={false} />
          <YAxis yAxisId="rps" orientation="right" />
          <Tooltip
            formatter={(value, name) =>
              name === "RPS"
                ? formatMoney(Number(value), props.currency)
                : value
            }
          />
          <Legend />
          <Line
            yAxisId="sessions"
            type="monotone"
            dataKey="sessions"
            name="Sessions"
            stroke="#5c6ac4"
            dot={false}
          />
          <Line
            yAxisId="rps"
            type="monotone"
            dataKey="rps"
            name="RPS"
            stroke="#008060"
            dot={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
