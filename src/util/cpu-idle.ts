// How many cores are free now, measured from /proc/stat over a short window. (The 1-minute load
// average still counts a job that ended seconds ago: right after another run an idle 2-core
// machine read as 1 free core, and a training step took 222 ms on 1 thread against 128–136 ms
// on 2.) This process's own CPU time in the window counts as free: its threads are the ones
// that will use the cores (libtorch's OpenMP threads may still spin from an earlier op).
import { readFileSync } from 'node:fs';

/** Two /proc/stat snapshots around a window, and this process's CPU time within it. */
export interface CpuSample {
  before: string;
  after: string;
  /** User + system CPU time of this process (all its threads) in the window, µs. */
  ownMicros: number;
  /** Wall-clock length of the window, µs. */
  windowMicros: number;
}

export interface FreeCores {
  /** Whole cores to use, in [1, cores]. */
  free: number;
  /** Cores idle or used by this process over the window, fractional, before rounding. */
  available: number;
  /** CPUs that /proc/stat counts. */
  cpus: number;
}

interface CpuTimes {
  idle: number;
  total: number;
  cpus: number;
}

/** The aggregate `cpu` line of /proc/stat: idle + iowait and total jiffies, and the cpuN count. */
export function parseProcStat(text: string): CpuTimes {
  const lines = text.split('\n');
  const agg = lines.find((l) => l.startsWith('cpu '));
  if (!agg) throw new Error('/proc/stat: no aggregate cpu line');
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const f = agg.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 5 || f.some((v) => !Number.isFinite(v))) throw new Error(`/proc/stat: bad cpu line '${agg}'`);
  const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0), cpus };
}

/**
 * Free cores = idle share of the window × the machine's CPUs + this process's own busy cores,
 * rounded and clamped to [1, cores] (`cores`: the CPUs this process may use). Undefined when
 * no time passed between the snapshots.
 */
export function freeCoresFrom(s: CpuSample, cores: number): FreeCores | undefined {
  const a = parseProcStat(s.before);
  const b = parseProcStat(s.after);
  const total = b.total - a.total;
  if (!(total > 0) || !(s.windowMicros > 0)) return undefined;
  const cpus = b.cpus || cores;
  const available = ((b.idle - a.idle) / total) * cpus + s.ownMicros / s.windowMicros;
  return { free: Math.max(1, Math.min(cores, Math.round(available))), available, cpus };
}

/** Samples /proc/stat over `ms` (blocking); undefined where it is unreadable (not Linux). */
export function sampleCpu(ms: number): CpuSample | undefined {
  let before: string;
  try {
    before = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const t0 = process.hrtime.bigint();
  const own0 = process.cpuUsage();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); // sleeps without using a core
  const own = process.cpuUsage(own0);
  const after = readFileSync('/proc/stat', 'utf8');
  const windowMicros = Number(process.hrtime.bigint() - t0) / 1000;
  return { before, after, ownMicros: own.user + own.system, windowMicros };
}
