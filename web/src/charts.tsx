// Small SVG charts: horizontal bars with an optional range, lines with several series, and a
// histogram. Each chart is an image named by its <title> and <desc>, carries a <title> per mark
// and data-* attributes with the plotted numbers, and comes with its data as a table that can be
// opened with the keyboard. No style attributes: the hub's CSP forbids them, colours come from
// the series-N classes in styles.css.

import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

const kSeriesClasses = 8;

/** The CSS class of the colour of the n-th series (cycled). */
export function seriesClass(n: number): string {
  return `series-${n % kSeriesClasses}`;
}

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(1);
}

function ChartFrame(props: {
  title: string;
  description?: string;
  table: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  testId?: string;
}) {
  return (
    <figure class={`chart ${props.class ?? ""}`} data-testid={props.testId}>
      {props.children}
      <details class="chart-data">
        <summary>Data of “{props.title}” as a table</summary>
        {props.table}
      </details>
    </figure>
  );
}

function SvgTitle(props: { id: string; title: string; description?: string }) {
  return (
    <>
      <title id={`${props.id}-t`}>{props.title}</title>
      {props.description && <desc id={`${props.id}-d`}>{props.description}</desc>}
    </>
  );
}

function svgLabelledBy(id: string, description?: string): string {
  return description ? `${id}-t ${id}-d` : `${id}-t`;
}

// ---------- Bars ----------

export interface Bar {
  key: string;
  label: string;
  /** null: no value (e.g. nothing answered yet). */
  value: number | null;
  /** An interquartile or other range drawn as a whisker over the bar. */
  low?: number;
  high?: number;
  /** Extra text after the value, e.g. "n = 7". */
  note?: string;
  /** Suppressed groups are drawn as a text, never as a bar of length zero. */
  suppressed?: boolean;
  selected?: boolean;
}

const kBarRow = 30;
const kBarLabelWidth = 250;
const kBarPlotWidth = 380;
const kBarTextWidth = 210;

/** Horizontal bars on a 0..max scale (scores: 0..100). */
export function BarChart(props: {
  title: string;
  description?: string;
  bars: Bar[];
  max?: number;
  rangeLabel?: string;
  suppressedText?: string;
  testId?: string;
  /** How values read (default: one decimal, for scores). */
  format?: (value: number) => string;
}) {
  const id = useId();
  const max = props.max ?? 100;
  const fmt = (v: number | null | undefined) =>
    props.format && v !== null && v !== undefined && Number.isFinite(v)
      ? props.format(v)
      : formatScore(v);
  const top = 8;
  const height = top + props.bars.length * kBarRow + 26;
  const width = kBarLabelWidth + kBarPlotWidth + kBarTextWidth;
  const x = (v: number) => kBarLabelWidth + (Math.max(0, Math.min(max, v)) / max) * kBarPlotWidth;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const suppressedText = props.suppressedText ?? "fewer than 5 providers — hidden";
  const rangeLabel = props.rangeLabel ?? "range";

  const table = (
    <table class="table table-dense">
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Value</th>
          {props.bars.some((b) => b.low !== undefined) && <th scope="col">{rangeLabel}</th>}
          {props.bars.some((b) => b.note) && <th scope="col">Note</th>}
        </tr>
      </thead>
      <tbody>
        {props.bars.map((b) => (
          <tr key={b.key}>
            <th scope="row">{b.label}</th>
            <td>{b.suppressed ? suppressedText : fmt(b.value)}</td>
            {props.bars.some((x) => x.low !== undefined) && (
              <td>
                {b.low !== undefined && b.high !== undefined ? `${fmt(b.low)}–${fmt(b.high)}` : "—"}
              </td>
            )}
            {props.bars.some((x) => x.note) && <td>{b.note ?? ""}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <ChartFrame title={props.title} table={table} testId={props.testId}>
      <svg
        class="chart-svg"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={svgLabelledBy(id, props.description)}
        focusable="false"
      >
        <SvgTitle id={id} title={props.title} description={props.description} />
        <g class="chart-grid" aria-hidden="true">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={top - 4} y2={height - 22} />
              <text x={x(t)} y={height - 8} text-anchor="middle" class="chart-tick">
                {Math.round(t)}
              </text>
            </g>
          ))}
        </g>
        {props.bars.map((b, i) => {
          const y = top + i * kBarRow;
          const mid = y + kBarRow / 2;
          const hasRange = !b.suppressed && b.low !== undefined && b.high !== undefined;
          const valueText = b.suppressed ? suppressedText : fmt(b.value);
          const description = b.suppressed
            ? `${b.label}: ${suppressedText}`
            : `${b.label}: ${valueText}` +
              (hasRange ? `, ${rangeLabel} ${fmt(b.low)}–${fmt(b.high)}` : "") +
              (b.note ? ` (${b.note})` : "");
          return (
            <g
              key={b.key}
              class={`chart-bar${b.selected ? " chart-bar-selected" : ""}${b.suppressed ? " chart-bar-suppressed" : ""}`}
              data-key={b.key}
              data-label={b.label}
              data-value={b.suppressed || b.value === null ? "" : b.value.toFixed(1)}
              data-suppressed={b.suppressed ? "true" : "false"}
            >
              <title>{description}</title>
              <text x={kBarLabelWidth - 10} y={mid + 4} text-anchor="end" class="chart-label">
                {truncate(b.label, 36)}
              </text>
              {!b.suppressed && b.value !== null && (
                <rect
                  x={kBarLabelWidth}
                  y={y + 6}
                  width={Math.max(1, x(b.value) - kBarLabelWidth)}
                  height={kBarRow - 12}
                  rx="2"
                  class="chart-bar-rect"
                />
              )}
              {hasRange && (
                <g class="chart-range">
                  <line x1={x(b.low!)} x2={x(b.high!)} y1={mid} y2={mid} />
                  <line x1={x(b.low!)} x2={x(b.low!)} y1={mid - 6} y2={mid + 6} />
                  <line x1={x(b.high!)} x2={x(b.high!)} y1={mid - 6} y2={mid + 6} />
                </g>
              )}
              <text
                x={
                  b.suppressed || b.value === null
                    ? kBarLabelWidth + 6
                    : Math.max(x(b.value), hasRange ? x(b.high!) : 0) + 8
                }
                y={mid + 4}
                class={b.suppressed ? "chart-value chart-suppressed" : "chart-value"}
              >
                {valueText}
                {!b.suppressed && b.note && <tspan class="chart-note"> · {b.note}</tspan>}
              </text>
            </g>
          );
        })}
      </svg>
    </ChartFrame>
  );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---------- Lines ----------

export interface LinePoint {
  x: number;
  /** null: no value at x (hidden or missing); the line breaks there. */
  y: number | null;
  /** Shown in the point's title and the table instead of a number when y is null. */
  missingText?: string;
}

export interface LineSeries {
  key: string;
  label: string;
  points: LinePoint[];
}

const kLineWidth = 640;
const kLineHeight = 260;
const kLinePad = { left: 40, right: 16, top: 14, bottom: 30 };

/** Lines over integer x values (cycles), 0..max on the y axis. */
export function LineChart(props: {
  title: string;
  description?: string;
  series: LineSeries[];
  max?: number;
  xLabel?: string;
  testId?: string;
}) {
  const id = useId();
  const max = props.max ?? 100;
  const xs = [...new Set(props.series.flatMap((s) => s.points.map((p) => p.x)))].sort(
    (a, b) => a - b,
  );
  const plotW = kLineWidth - kLinePad.left - kLinePad.right;
  const plotH = kLineHeight - kLinePad.top - kLinePad.bottom;
  const xAt = (v: number) => {
    if (xs.length <= 1) return kLinePad.left + plotW / 2;
    const i = xs.indexOf(v);
    return kLinePad.left + (i / (xs.length - 1)) * plotW;
  };
  const yAt = (v: number) => kLinePad.top + plotH - (Math.max(0, Math.min(max, v)) / max) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const missing = new Set(
    props.series.flatMap((s) =>
      s.points.filter((p) => p.y === null).map((p) => p.missingText ?? "no value"),
    ),
  );

  const table = (
    <table class="table table-dense">
      <thead>
        <tr>
          <th scope="col">{props.xLabel ?? "Cycle"}</th>
          {props.series.map((s) => (
            <th scope="col" key={s.key}>
              {s.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {xs.map((xv) => (
          <tr key={xv}>
            <th scope="row">{xv}</th>
            {props.series.map((s) => {
              const p = s.points.find((q) => q.x === xv);
              return (
                <td key={s.key}>
                  {p ? (p.y === null ? (p.missingText ?? "—") : formatScore(p.y)) : "—"}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <ChartFrame title={props.title} table={table} testId={props.testId}>
      <svg
        class="chart-svg chart-svg-line"
        viewBox={`0 0 ${kLineWidth} ${kLineHeight}`}
        role="img"
        aria-labelledby={svgLabelledBy(id, props.description)}
        focusable="false"
      >
        <SvgTitle id={id} title={props.title} description={props.description} />
        <g class="chart-grid" aria-hidden="true">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={kLinePad.left} x2={kLineWidth - kLinePad.right} y1={yAt(t)} y2={yAt(t)} />
              <text x={kLinePad.left - 6} y={yAt(t) + 4} text-anchor="end" class="chart-tick">
                {Math.round(t)}
              </text>
            </g>
          ))}
          {xs.map((xv) => (
            <text
              key={xv}
              x={xAt(xv)}
              y={kLineHeight - 8}
              text-anchor="middle"
              class="chart-tick chart-x"
            >
              {xv}
            </text>
          ))}
        </g>
        {props.series.map((s, n) => {
          const sorted = [...s.points].sort((a, b) => a.x - b.x);
          const runs: LinePoint[][] = [];
          let run: LinePoint[] = [];
          for (const p of sorted) {
            if (p.y === null) {
              if (run.length) runs.push(run);
              run = [];
            } else {
              run.push(p);
            }
          }
          if (run.length) runs.push(run);
          return (
            <g
              key={s.key}
              class={`chart-series ${seriesClass(n)}`}
              data-series={s.key}
              data-label={s.label}
            >
              <title>{s.label}</title>
              {runs
                .filter((r) => r.length > 1)
                .map((r, i) => (
                  <polyline
                    key={i}
                    points={r.map((p) => `${xAt(p.x)},${yAt(p.y!)}`).join(" ")}
                    class="chart-line"
                  />
                ))}
              {sorted.map((p) =>
                p.y === null ? (
                  <g
                    key={p.x}
                    class="chart-point chart-point-missing"
                    data-x={p.x}
                    data-y=""
                    data-missing={p.missingText ?? ""}
                  >
                    <title>{`${s.label}, ${p.x}: ${p.missingText ?? "no value"}`}</title>
                    <circle cx={xAt(p.x)} cy={yAt(0)} r="3.5" />
                  </g>
                ) : (
                  <g key={p.x} class="chart-point" data-x={p.x} data-y={p.y.toFixed(1)}>
                    <title>{`${s.label}, ${p.x}: ${formatScore(p.y)}`}</title>
                    <circle cx={xAt(p.x)} cy={yAt(p.y)} r="4" />
                  </g>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <ul class="chart-legend" aria-label={`Series of ${props.title}`}>
        {props.series.map((s, n) => (
          <li key={s.key} class={seriesClass(n)}>
            <svg class="chart-swatch" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
              <rect x="1" y="6" width="14" height="4" rx="1" />
            </svg>
            {s.label}
          </li>
        ))}
        {missing.size > 0 && (
          <li class="chart-legend-missing">
            <svg class="chart-swatch" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
              <circle cx="8" cy="8" r="4" />
            </svg>
            on the axis: {[...missing].join("; ")}
          </li>
        )}
      </ul>
    </ChartFrame>
  );
}

// ---------- Histogram ----------

const kHistWidth = 640;
const kHistHeight = 220;
const kHistPad = { left: 36, right: 10, top: 20, bottom: 34 };

/**
 * Counts per bucket of equal width over 0..100 (ten buckets: 0–10, …, 90–100), drawn as
 * vertical bars labelled with their count.
 */
export function Histogram(props: {
  title: string;
  description?: string;
  counts: number[];
  unit?: string;
  testId?: string;
}) {
  const id = useId();
  const buckets = props.counts.length || 1;
  const width = 100 / buckets;
  const peak = Math.max(1, ...props.counts);
  const plotW = kHistWidth - kHistPad.left - kHistPad.right;
  const plotH = kHistHeight - kHistPad.top - kHistPad.bottom;
  const slot = plotW / buckets;
  const label = (i: number) => `${Math.round(i * width)}–${Math.round((i + 1) * width)}`;
  const unit = props.unit ?? "providers";

  const table = (
    <table class="table table-dense">
      <thead>
        <tr>
          <th scope="col">Score</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {props.counts.map((c, i) => (
          <tr key={i}>
            <th scope="row">{label(i)}</th>
            <td>{c}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <ChartFrame title={props.title} table={table} testId={props.testId}>
      <svg
        class="chart-svg chart-svg-hist"
        viewBox={`0 0 ${kHistWidth} ${kHistHeight}`}
        role="img"
        aria-labelledby={svgLabelledBy(id, props.description)}
        focusable="false"
      >
        <SvgTitle id={id} title={props.title} description={props.description} />
        <g class="chart-grid" aria-hidden="true">
          <line
            x1={kHistPad.left}
            x2={kHistWidth - kHistPad.right}
            y1={kHistPad.top + plotH}
            y2={kHistPad.top + plotH}
          />
        </g>
        {props.counts.map((c, i) => {
          const h = (c / peak) * plotH;
          const x0 = kHistPad.left + i * slot;
          return (
            <g key={i} class="chart-bin" data-bucket={label(i)} data-count={c}>
              <title>{`${label(i)}: ${c} ${unit}`}</title>
              {c > 0 && (
                <rect
                  x={x0 + 3}
                  y={kHistPad.top + plotH - h}
                  width={slot - 6}
                  height={h}
                  rx="2"
                  class="chart-bar-rect"
                />
              )}
              <text
                x={x0 + slot / 2}
                y={kHistPad.top + plotH - h - 5}
                text-anchor="middle"
                class="chart-value"
              >
                {c}
              </text>
              <text x={x0 + slot / 2} y={kHistHeight - 12} text-anchor="middle" class="chart-tick">
                {label(i)}
              </text>
            </g>
          );
        })}
      </svg>
    </ChartFrame>
  );
}

// ---------- A single score as a meter ----------

/** A 0..100 score as a horizontal meter with its number; for tables and headers. */
export function ScoreMeter(props: { value: number | null; label: string }) {
  const v = props.value === null ? 0 : Math.max(0, Math.min(100, props.value));
  return (
    <span class="score-meter">
      <svg
        class="score-meter-svg"
        viewBox="0 0 100 8"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${props.label}: ${formatScore(props.value)} of 100`}
        focusable="false"
      >
        <rect x="0" y="0" width="100" height="8" rx="4" class="score-meter-track" />
        {props.value !== null && (
          <rect x="0" y="0" width={Math.max(2, v)} height="8" rx="4" class="score-meter-fill" />
        )}
      </svg>
      <span class="score-meter-value">{formatScore(props.value)}</span>
    </span>
  );
}

/** How much of something is done, as a labelled progress bar (fraction 0..1). */
export function CompletionBar(props: { fraction: number; label: string; detail?: string }) {
  const f = Math.max(0, Math.min(1, Number.isFinite(props.fraction) ? props.fraction : 0));
  const percent = Math.round(f * 100);
  const id = useId();
  return (
    <div class="completion">
      <div class="completion-head">
        <span id={id} class="completion-label">
          {props.label}
        </span>
        <span class="completion-value" data-testid="completion-value">
          {percent}%{props.detail ? ` · ${props.detail}` : ""}
        </span>
      </div>
      <div
        class="completion-track"
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%${props.detail ? `, ${props.detail}` : ""}`}
      >
        <svg
          class="completion-svg"
          viewBox="0 0 100 10"
          preserveAspectRatio="none"
          aria-hidden="true"
          focusable="false"
        >
          <rect x="0" y="0" width="100" height="10" class="completion-bg" />
          {percent > 0 && <rect x="0" y="0" width={percent} height="10" class="completion-fill" />}
        </svg>
      </div>
    </div>
  );
}

/** A confidence 0..1 as a labelled bar with its percentage (identification results). */
export function ConfidenceBar(props: { value: number; label: string }) {
  const v = Math.max(0, Math.min(1, Number.isFinite(props.value) ? props.value : 0));
  const percent = Math.round(v * 100);
  const tone = v >= 0.7 ? "high" : v >= 0.4 ? "medium" : "low";
  return (
    <span
      class={`confidence confidence-${tone}`}
      data-testid="confidence"
      data-value={v.toFixed(3)}
    >
      <svg
        class="confidence-svg"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${props.label}: ${percent}%`}
        focusable="false"
      >
        <rect x="0" y="0" width="100" height="10" rx="5" class="confidence-track" />
        {percent > 0 && (
          <rect
            x="0"
            y="0"
            width={Math.max(3, percent)}
            height="10"
            rx="5"
            class="confidence-fill"
          />
        )}
      </svg>
      <span class="confidence-value">{percent}%</span>
    </span>
  );
}
