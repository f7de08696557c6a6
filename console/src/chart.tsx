import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
}

/**
 * A time-series line chart (uPlot): x in seconds since the epoch, one line per series. Re-drawn when the data
 * changes; its canvas carries `data-points` (the points drawn) for whoever checks that it has data.
 */
export function LineChart(props: { title: string; x: number[]; series: Series[]; unit?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const chart = new uPlot(
      {
        title: props.title,
        width: Math.max(320, element.clientWidth || 560),
        height: 220,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v}${props.unit ?? ''}`),
          })),
        ],
        axes: [
          {},
          { size: 70, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}${props.unit ?? ''}`) },
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      element,
    );
    const points = props.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
    element.dataset.points = String(points);
    return () => chart.destroy();
  }, [props.title, props.x, props.series, props.unit]);
  return <div class="chart" ref={host} />;
}
