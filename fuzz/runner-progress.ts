/** Progress lines for fuzzing: one updating line on a terminal, plain lines otherwise. */
import type { Progress } from './runner.ts';

export function formatProgress(p: Progress, label = p.target): string {
  const secs = (p.elapsedMs / 1000).toFixed(1).padStart(6);
  const rate = Math.round(p.execsPerSec).toLocaleString('en-US').padStart(9);
  const cov = p.coverage === 'none' ? 'cov -' : `cov ${p.features} br ${p.branches} (${p.coverage})`;
  return `${label} ${secs}s  execs ${p.execs.toLocaleString('en-US')}  execs/s ${rate}  ${cov}  corpus ${p.corpus}  findings ${p.findings}`;
}

/** Combines the latest progress of several workers on one target. */
export function combine(ps: readonly Progress[]): Progress | undefined {
  if (ps.length === 0) return undefined;
  if (ps.length === 1) return ps[0];
  return {
    target: ps[0].target,
    coverage: ps[0].coverage,
    execs: ps.reduce((a, p) => a + p.execs, 0),
    elapsedMs: Math.max(...ps.map((p) => p.elapsedMs)),
    execsPerSec: ps.reduce((a, p) => a + p.execsPerSec, 0),
    features: Math.max(...ps.map((p) => p.features)),
    branches: Math.max(...ps.map((p) => p.branches)),
    corpus: Math.max(...ps.map((p) => p.corpus)),
    findings: ps.reduce((a, p) => a + p.findings, 0),
  };
}

export class ProgressPrinter {
  private lastLength = 0;
  constructor(
    private readonly line: (s: string) => void,
    private readonly tty: NodeJS.WriteStream | undefined = process.stderr.isTTY ? process.stderr : undefined,
  ) {}

  show(text: string): void {
    if (this.tty !== undefined) {
      const cols = this.tty.columns ?? 120;
      const shown = text.length > cols - 1 ? text.slice(0, cols - 1) : text;
      this.tty.write(`\r\x1b[K${shown}`);
      this.lastLength = shown.length;
    } else {
      this.line(text);
    }
  }

  /** Ends the updating line (before printing anything else). */
  done(): void {
    if (this.tty !== undefined && this.lastLength > 0) this.tty.write('\n');
    this.lastLength = 0;
  }
}

/** "60s", "30m", "2h", "500ms", "90" (seconds) as milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms > 0 ? ms : undefined;
}

/** A plain text table, columns right-aligned except the first. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
