import { useEffect, useState } from "react";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

export interface IntervalRow {
  label: string;
  value: number;
  lower: number;
  upper: number;
}

/**
 * Point estimates with their 95% intervals as horizontal bars, one row per
 * arm or comparison; `zero` draws the no-difference line. Rendered after
 * hydration only, because recharts measures its container.
 */
export function IntervalChart(props: {
  rows: IntervalRow[];
  format: (value: number) => string;
  zero?: boolean;
  testId: string;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const height = 48 + props.rows.length * 44;
  if (!mounted) return <div style={{ height }} />;
  const data = props.rows.map((row) => ({
    ...row,
    range: [row.lower, row.upper],
  }));
  return (
    <div style={{ height }} data-testid={props.testId}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart
          layout="vertical"
          data={data}
          margin={{ top: 8, right: 24, left: 8, bottom: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis
            type="number"
            domain={["auto", "auto"]}
            tickFormatter={props.format}
          />
          <YAxis type="category" dataKey="label" width={120} />
          <Tooltip
            formatter={(value) =>
              Array.isArray(value)
                ? `${props.format(Number(value[0]))} to ${props.format(Number(value[1]))}`
                : props.format(Number(value))
            }
          />
          {props.zero ? <ReferenceLine x={0} stroke="#8c9196" /> : null}
          <Bar
            dataKey="range"
            name="95% interval"
            fill="#b4c4f5"
            barSize={14}
            isAnimationActive={false}
          />
          <Scatter
            dataKey="value"
            name="Estimate"
            fill="#2c4ecb"
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
