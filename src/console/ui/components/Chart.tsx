import { BarController, BarElement, CategoryScale, Chart as ChartJs, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { formatNumber } from '../format.js';

ChartJs.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export interface Series {
  label: string;
  data: number[];
}

interface ChartProps {
  /** The chart's accessible name and visible title. */
  title: string;
  type: 'bar' | 'line';
  labels: string[];
  series: Series[];
  stacked?: boolean;
  /** One sentence a screen reader user gets instead of the picture. */
  summary: string;
}

/**
 * A Chart.js canvas with what it shows in words: the canvas is an image named by the title, the
 * figcaption summarises it, and a visually hidden table holds every value.
 */
export function Chart({ title, type, labels, series, stacked = false, summary }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const data = JSON.stringify({ labels, series });
  useEffect(() => {
    const chart = new ChartJs(canvas.current!, {
      type,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.data,
          backgroundColor: PALETTE[i % PALETTE.length],
          borderColor: PALETTE[i % PALETTE.length],
          pointRadius: labels.length > 48 ? 0 : 2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: series.length > 1, position: 'bottom' } },
        scales: {
          x: { stacked, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.destroy();
    // `data` stands for labels and series: redraw when their contents change, not their identity.
  }, [type, stacked, data]);
  return (
    <figure class="chart-figure">
      <h3 class="chart-title">{title}</h3>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
      </div>
      <figcaption>{summary}</figcaption>
      {/* The wrapper hides the table: tables ignore the height and overflow that hiding relies on. */}
      <div class="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={`${label}-${i}`}>
                <th scope="row">{label}</th>
                {series.map((s) => (
                  <td key={s.label}>{formatNumber(s.data[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
