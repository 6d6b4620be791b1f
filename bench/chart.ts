// The latency-vs-rate chart of a run as a hand-written SVG (no library, no network): p99 of each
// system and scenario against the offered rate, both axes logarithmic, the 10 ms SLO drawn across.
// A filled point met the SLO (p99 under 10 ms, no timeouts, no errors); a hollow one did not.

import type { ScenarioResult } from './stats.js';
import { medianSteps, sloP99Ms } from './nats.js';

const width = 960;
const height = 540;
const plot = { left: 72, right: 250, top: 48, bottom: 56 };
const colors: Record<string, string> = { engine: '#1f6fb4', echo: '#6b6b6b', postgres: '#c0392b' };
const systemLabels: Record<string, string> = { engine: 'E engine', echo: 'T0 echo', postgres: 'P2 PostgreSQL' };
const dashes: Record<string, string> = { authorize: '', 'fuel-mix': '7 4', 'hot-accounts': '2 4' };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const round = (value: number): string => (Math.round(value * 10) / 10).toString();

function logScale(min: number, max: number, from: number, to: number): (value: number) => number {
  const low = Math.log10(min);
  const span = Math.log10(max) - low || 1;
  return (value) => from + ((Math.log10(Math.max(min, Math.min(max, value))) - low) / span) * (to - from);
}

export function latencyChartSvg(scenarios: readonly ScenarioResult[], title: string): string {
  const steps = medianSteps(scenarios);
  const series = new Map<string, { system: string; scenario: string; points: { rate: number; p99: number; ok: boolean }[] }>();
  for (const step of steps) {
    const { system, scenario = '', rate = 0 } = step.result;
    const key = `${system}/${scenario}`;
    const entry = series.get(key) ?? { system, scenario, points: [] };
    entry.points.push({ rate, p99: Math.max(0.05, step.result.latency.p99), ok: step.withinSlo });
    series.set(key, entry);
  }
  const rates = steps.map((step) => step.result.rate ?? 1);
  const p99s = steps.map((step) => step.result.latency.p99);
  const xMin = Math.max(1, Math.min(...rates, 1_000) / 1.4);
  const xMax = Math.max(...rates, 2) * 1.4;
  const yMin = Math.min(1, Math.max(0.05, Math.min(...p99s, 1.5) / 1.5));
  const yMax = Math.max(sloP99Ms * 3, ...p99s) * 1.3;
  const x = logScale(xMin, xMax, plot.left, width - plot.right);
  const y = logScale(yMin, yMax, height - plot.bottom, plot.top);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${plot.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`);
  // Grid and axes.
  const yTicks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000].filter((tick) => tick >= yMin && tick <= yMax);
  for (const tick of yTicks) {
    parts.push(`<line x1="${plot.left}" x2="${width - plot.right}" y1="${round(y(tick))}" y2="${round(y(tick))}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${plot.left - 8}" y="${round(y(tick) + 4)}" text-anchor="end">${tick}</text>`);
  }
  const xTicks = [...new Set(rates)].sort((a, b) => a - b);
  for (const tick of xTicks) {
    parts.push(`<line x1="${round(x(tick))}" x2="${round(x(tick))}" y1="${plot.top}" y2="${height - plot.bottom}" stroke="#efefef"/>`);
    parts.push(`<text x="${round(x(tick))}" y="${height - plot.bottom + 18}" text-anchor="middle">${tick >= 1_000 ? `${tick / 1_000}k` : tick}</text>`);
  }
  parts.push(`<rect x="${plot.left}" y="${plot.top}" width="${width - plot.left - plot.right}" height="${height - plot.top - plot.bottom}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(plot.left + width - plot.right) / 2}" y="${height - 14}" text-anchor="middle">offered rate, requests/s (log)</text>`);
  parts.push(`<text transform="translate(18 ${(plot.top + height - plot.bottom) / 2}) rotate(-90)" text-anchor="middle">p99 latency from intended send, ms (log)</text>`);
  // The SLO.
  parts.push(`<line x1="${plot.left}" x2="${width - plot.right}" y1="${round(y(sloP99Ms))}" y2="${round(y(sloP99Ms))}" stroke="#d35400" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  parts.push(`<text x="${width - plot.right - 6}" y="${round(y(sloP99Ms) - 6)}" text-anchor="end" fill="#d35400">p99 SLO ${sloP99Ms} ms</text>`);
  // Series.
  let legendY = plot.top + 8;
  for (const entry of series.values()) {
    const color = colors[entry.system] ?? '#333';
    const dash = dashes[entry.scenario] ?? '3 2';
    const points = [...entry.points].sort((a, b) => a.rate - b.rate);
    const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${round(x(point.rate))},${round(y(point.p99))}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${dash !== '' ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const point of points) {
      parts.push(`<circle cx="${round(x(point.rate))}" cy="${round(y(point.p99))}" r="4" stroke="${color}" stroke-width="1.5" fill="${point.ok ? color : '#ffffff'}"><title>${escape(`${systemLabels[entry.system] ?? entry.system} ${entry.scenario}: ${point.rate}/s → p99 ${point.p99} ms`)}</title></circle>`);
    }
    const legendX = width - plot.right + 16;
    parts.push(`<line x1="${legendX}" x2="${legendX + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash !== '' ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text x="${legendX + 36}" y="${legendY + 4}">${escape(`${systemLabels[entry.system] ?? entry.system} · ${entry.scenario}`)}</text>`);
    legendY += 20;
  }
  const legendX = width - plot.right + 16;
  parts.push(`<circle cx="${legendX + 14}" cy="${legendY + 6}" r="4" fill="#555"/><text x="${legendX + 36}" y="${legendY + 10}">within the SLO</text>`);
  parts.push(`<circle cx="${legendX + 14}" cy="${legendY + 26}" r="4" fill="#fff" stroke="#555" stroke-width="1.5"/><text x="${legendX + 36}" y="${legendY + 30}">over it (stepping stops)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
