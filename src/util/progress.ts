/**
 * Progress reporting for long jobs: steps done / total, smoothed loss, throughput, elapsed time and ETA, printed
 * to stderr at most once every `intervalSec` seconds (and always on `finish()`). Writer and clock are injectable
 * so the arithmetic can be tested with a fake clock.
 */

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Total number of steps (0 or undefined: unknown, no ETA). */
  total?: number;
  /** Prefix shown in brackets, e.g. `train`. */
  label?: string;
  /** Minimum seconds between two printed lines. Default 5. */
  intervalSec?: number;
  /** Name of the throughput unit, e.g. `samples`. Default `items`. */
  unit?: string;
  /** EMA factor for the loss (weight of the history), in [0, 1). Default 0.9. */
  smoothing?: number;
  /** Receives each line (with a trailing newline). Default: `process.stderr.write`. */
  writer?: (line: string) => void;
  /** Current time in seconds (monotonic). Default: `performance.now() / 1000`. */
  clock?: () => number;
}

/** Numbers behind a progress line. */
export interface ProgressSnapshot {
  done: number;
  total: number | undefined;
  items: number;
  elapsedSec: number;
  /** Steps per second since start (0 before any time passed). */
  stepsPerSec: number;
  /** Items per second since start. */
  itemsPerSec: number;
  /** Seconds until `total` at the average rate so far; undefined without a total or before any progress. */
  etaSec: number | undefined;
  /** Bias-corrected exponential moving average of the reported losses; undefined if none reported. */
  loss: number | undefined;
}

/** `75` → `1m15s`, `3725` → `1h02m05s`, `4.2` → `4.2s`. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  if (sec < 10) return `${sec.toFixed(1)}s`;
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const pad = (x: number): string => String(x).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m${pad(r)}s`;
  if (m > 0) return `${m}m${pad(r)}s`;
  return `${r}s`;
}

function formatRate(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Progress reporter; call {@link update} after each step and {@link finish} at the end. */
export class Progress {
  private readonly total: number | undefined;
  private readonly label: string;
  private readonly intervalSec: number;
  private readonly unit: string;
  private readonly beta: number;
  private readonly writer: (line: string) => void;
  private readonly clock: () => number;
  private readonly start: number;
  private lastPrint: number;
  private done = 0;
  private items = 0;
  private ema = 0;
  private lossCount = 0;

  constructor(opts: ProgressOptions = {}) {
    this.total = opts.total && opts.total > 0 ? opts.total : undefined;
    this.label = opts.label ?? 'progress';
    this.intervalSec = opts.intervalSec ?? 5;
    this.unit = opts.unit ?? 'items';
    this.beta = opts.smoothing ?? 0.9;
    if (!(this.beta >= 0 && this.beta < 1)) throw new Error(`Progress smoothing must be in [0, 1), got ${this.beta}`);
    this.writer = opts.writer ?? ((line: string) => void process.stderr.write(line));
    this.clock = opts.clock ?? (() => performance.now() / 1000);
    this.start = this.clock();
    this.lastPrint = this.start;
  }

  /**
   * Record progress: `steps` steps done (default 1) covering `items` items (default: same as steps), with an
   * optional loss value. Prints a line if at least `intervalSec` passed since the last one. Returns whether it
   * printed.
   */
  update(opts: { steps?: number; items?: number; loss?: number } = {}): boolean {
    const steps = opts.steps ?? 1;
    this.done += steps;
    this.items += opts.items ?? steps;
    if (opts.loss !== undefined && Number.isFinite(opts.loss)) {
      this.ema = this.beta * this.ema + (1 - this.beta) * opts.loss;
      this.lossCount++;
    }
    const now = this.clock();
    if (now - this.lastPrint >= this.intervalSec) {
      this.lastPrint = now;
      this.writer(this.line(now) + '\n');
      return true;
    }
    return false;
  }

  /** Current numbers (at the given time, default now). */
  snapshot(now = this.clock()): ProgressSnapshot {
    const elapsedSec = Math.max(0, now - this.start);
    const stepsPerSec = elapsedSec > 0 ? this.done / elapsedSec : 0;
    const itemsPerSec = elapsedSec > 0 ? this.items / elapsedSec : 0;
    let etaSec: number | undefined;
    if (this.total !== undefined && stepsPerSec > 0) etaSec = Math.max(0, this.total - this.done) / stepsPerSec;
    const loss = this.lossCount > 0 ? this.ema / (1 - Math.pow(this.beta, this.lossCount)) : undefined;
    return {
      done: this.done,
      total: this.total,
      items: this.items,
      elapsedSec,
      stepsPerSec,
      itemsPerSec,
      etaSec,
      loss,
    };
  }

  /** The status line (without newline). */
  line(now = this.clock()): string {
    const s = this.snapshot(now);
    const parts: string[] = [];
    if (s.total !== undefined) {
      const w = String(s.total).length;
      parts.push(`${String(s.done).padStart(w)}/${s.total} (${((100 * s.done) / s.total).toFixed(1)}%)`);
    } else parts.push(`${s.done}`);
    if (s.loss !== undefined) parts.push(`loss ${s.loss.toPrecision(4)}`);
    parts.push(`${formatRate(s.itemsPerSec)} ${this.unit}/s`);
    parts.push(`elapsed ${formatDuration(s.elapsedSec)}`);
    if (s.etaSec !== undefined) parts.push(`ETA ${formatDuration(s.etaSec)}`);
    return `[${this.label}] ${parts.join(' | ')}`;
  }

  /** Print the final line unconditionally and return the final numbers. */
  finish(): ProgressSnapshot {
    const now = this.clock();
    this.lastPrint = now;
    this.writer(this.line(now) + '\n');
    return this.snapshot(now);
  }
}

/** Called by chunked jobs (decoding, diagnostics) after each chunk: items done so far and the total. */
export type OnProgress = (done: number, total: number) => void;

/** A {@link ProgressOptions.writer} that hands each line to `log` without its trailing newline. */
export function logWriter(log: (line: string) => void): (line: string) => void {
  return (line) => log(line.replace(/\n$/, ''));
}

/**
 * A `(done, total)` callback for chunked jobs (decoding, diagnostics): progress lines with users/s and ETA at most
 * every `intervalSec` seconds (default 10), and a final line when `done` reaches `total`.
 */
export function progressCallback(
  label: string,
  total: number,
  opts: Omit<ProgressOptions, 'total' | 'label'> = {},
): OnProgress {
  const p = new Progress({ unit: 'users', intervalSec: 10, ...opts, total, label });
  let last = 0;
  return (done) => {
    p.update({ steps: done - last });
    last = done;
    if (done >= total) p.finish();
  };
}
