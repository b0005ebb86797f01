/** A small hand-written SVG chart: latency p50 and p99 against throughput, log–log, one colour per system. */

export interface ChartSeries {
  name: string;
  color: string;
  points: { throughput: number; p50: number; p99: number; label: string }[];
}

const W = 820;
const H = 520;
const M = { left: 80, right: 200, top: 50, bottom: 60 };

/** 1-2-5 ticks covering [lo, hi] on a log scale. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

function bounds(values: number[]): [number, number] {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return [1, 10];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...positive)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive)));
  return [lo, hi === lo ? hi * 10 : hi];
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const fmt = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v));

/** `note` says what the points' labels are (the bench labels them by concurrency). */
export function latencyChart(series: ChartSeries[], title: string, subtitle: string, note = 'labels: concurrency (c)'): string {
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = bounds(all.map((p) => p.throughput));
  const [y0, y1] = bounds(all.flatMap((p) => [p.p50, p.p99]));
  const px = (v: number) => M.left + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - M.top - M.bottom);
  const ok = (p: { throughput: number }, v: number) => p.throughput > 0 && v > 0 && Number.isFinite(v);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left}" y="40" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const t of logTicks(x0, x1)) {
    out.push(`<line x1="${px(t)}" y1="${M.top}" x2="${px(t)}" y2="${H - M.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of logTicks(y0, y1)) {
    out.push(`<line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 18}" text-anchor="middle">throughput, orders completed per second (log)</text>`);
  out.push(`<text transform="translate(22 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">latency to final status, ms (log)</text>`);

  let legendY = M.top + 10;
  for (const s of series) {
    for (const [key, dash, marker] of [
      ['p50', '', 'circle'],
      ['p99', '6 4', 'square'],
    ] as const) {
      const pts = s.points.filter((p) => ok(p, p[key]));
      if (pts.length > 1) {
        const d = pts.map((p, i) => `${i ? 'L' : 'M'}${px(p.throughput).toFixed(1)},${py(p[key]).toFixed(1)}`).join(' ');
        out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      }
      for (const p of pts) {
        const x = px(p.throughput);
        const y = py(p[key]);
        out.push(
          marker === 'circle'
            ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.name} ${p.label}: ${p.throughput}/s, p50 ${p.p50} ms`)}</title></circle>`
            : `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="white" stroke="${s.color}" stroke-width="2"><title>${esc(`${s.name} ${p.label}: ${p.throughput}/s, p99 ${p.p99} ms`)}</title></rect>`,
        );
        if (key === 'p50') out.push(`<text x="${(x + 6).toFixed(1)}" y="${(y + 14).toFixed(1)}" fill="${s.color}" font-size="10">${esc(p.label)}</text>`);
      }
      const lx = W - M.right + 16;
      out.push(`<line x1="${lx}" y1="${legendY}" x2="${lx + 30}" y2="${legendY}" stroke="${s.color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      out.push(`<text x="${lx + 36}" y="${legendY + 4}">${esc(`${s.name} ${key}`)}</text>`);
      legendY += 20;
    }
  }
  out.push(`<text x="${W - M.right + 16}" y="${legendY + 10}" fill="#555" font-size="10">${esc(note)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
