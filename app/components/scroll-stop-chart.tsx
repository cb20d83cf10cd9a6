import { useEffect, useState } from "react";
import {
  Bar,
  BarChart,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DepthBand } from "~/friction/scroll-abandonment";

/**
 * Share of page views that stopped in each tenth of the page, the band
 * where most stop in a darker colour. Drawn after hydration, as recharts
 * measures its container in the browser.
 */
export function ScrollStopChart(props: {
  bands: DepthBand[];
  stopFrom: number | null;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!mounted) return <div style={{ height: 140 }} />;
  const data = props.bands.map((band) => ({
    label: `${band.fromPercent}–${band.toPercent}%`,
    from: band.fromPercent,
    share: Math.round(band.share * 1000) / 10,
  }));
  return (
    <div style={{ height: 140 }} data-testid="scroll-stops">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 8, left: 0, bottom: 0 }}>
          <XAxis dataKey="label" tick={{ fontSize: 10 }} interval={1} />
          <YAxis unit="%" width={40} tick={{ fontSize: 10 }} />
          <Tooltip formatter={(value) => [`${value}%`, "Stopped here"]} />
          <Bar dataKey="share" isAnimationActive={false}>
            {data.map((entry) => (
              <Cell
                key={entry.from}
                fill={entry.from === props.stopFrom ? "#8e1f0b" : "#e59a83"}
              />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
