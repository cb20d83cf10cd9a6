import { useEffect, useState } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

/** Smallest p-value drawn; the log axis needs a floor. */
const P_FLOOR = 1e-4;
const COLOURS = ["#2c4ecb", "#b98900", "#8051a8", "#d72c0d", "#007f5f"];

/**
 * Always-valid p-value of each comparison after each day, on a log axis,
 * with the significance level as a line: a comparison is decided when its
 * line crosses below it.
 */
export function SequentialChart(props: {
  series: { variant: string; history: { day: string; pValue: number }[] }[];
  alpha: number;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!mounted) return <div style={{ height: 240 }} />;
  const days = [
    ...new Set(props.series.flatMap((s) => s.history.map((h) => h.day))),
  ].sort();
  const data = days.map((day) => {
    const point: Record<string, string | number> = { day: day.slice(5) };
    for (const series of props.series) {
      const entry = series.history.find((h) => h.day === day);
      if (entry) point[series.variant] = Math.max(P_FLOOR, entry.pValue);
    }
    return point;
  });
  return (
    <div style={{ height: 240 }} data-testid="sequential-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart
          data={data}
          margin={{ top: 8, right: 24, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis scale="log" domain={[P_FLOOR, 1]} allowDataOverflow />
          <Tooltip formatter={(value) => Number(value).toPrecision(2)} />
          <Legend />
          <ReferenceLine
            y={props.alpha}
            stroke="#d72c0d"
            strokeDasharray="4 4"
            label={`α = ${props.alpha}`}
          />
          {props.series.map((series, index) => (
            <Line
              key={series.variant}
              type="stepAfter"
              dataKey={series.variant}
              name={`${series.variant} vs control`}
              stroke={COLOURS[index % COLOURS.length]}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
