// Thread count: one libtorch thread per core that is really free. OpenMP threads that share a
// core with other busy processes spin and stall each other (measured: a 2-thread training
// step on 2 cores with another process busy took 4.8x as long as 1 thread), so busy cores are
// subtracted, measured over a short window now (src/util/cpu-idle.ts), or, where /proc/stat is
// unavailable, from the 1-minute load average. More threads than cores are refused: an
// unbounded count (`--threads 100000`) spawned OpenMP threads until the machine stalled.
import { availableParallelism, loadavg } from 'node:os';
import { setNumThreads } from '../engine/index.js';
import { ConfigError } from '../util/config.js';
import { freeCoresFrom, sampleCpu, type CpuSample } from '../util/cpu-idle.js';

/** How long the automatic choice watches the CPUs. */
const SAMPLE_MS = 150;

export interface ThreadChoice {
  threads: number;
  /** Why, for the log: `auto: 1.93 of 2 cores free over 150 ms`. */
  why: string;
}

/** Where the automatic choice reads the machine (injectable for tests). */
export interface CpuProbe {
  cores: number;
  sample: () => CpuSample | undefined;
  loadavg1: () => number;
}

const machine: CpuProbe = {
  cores: availableParallelism(),
  sample: () => sampleCpu(SAMPLE_MS),
  loadavg1: () => loadavg()[0],
};

/** The count for `requested` (0 = GENREC_THREADS, else automatic), validated against the cores. */
export function chooseThreads(requested: number, env: string | undefined, probe: CpuProbe = machine): ThreadChoice {
  const { cores } = probe;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new ConfigError(`threads: ${requested} is not a whole number (0 = automatic)`, 'threads', undefined);
  }
  if (requested > cores) {
    throw new ConfigError(`threads: ${requested} exceeds this machine's ${cores} cores`, 'threads', undefined);
  }
  if (requested > 0) return { threads: requested, why: 'requested' };
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > cores) {
      throw new Error(`GENREC_THREADS=${env}: expected a whole number from 1 to this machine's ${cores} cores`);
    }
    return { threads: n, why: 'GENREC_THREADS' };
  }
  const s = probe.sample();
  const free = s && freeCoresFrom(s, cores);
  if (s && free) {
    const over = `over ${Math.round(s.windowMicros / 1000)} ms`;
    return { threads: free.free, why: `auto: ${free.available.toFixed(2)} of ${free.cpus} cores free ${over}` };
  }
  const load = probe.loadavg1();
  const n = Math.max(1, Math.min(cores, Math.round(cores - load)));
  return { threads: n, why: `auto: ${cores} cores minus 1-minute load average ${load.toFixed(2)}` };
}

let last: ThreadChoice | undefined;

/**
 * Applies `requested` (0 = auto) and returns the thread count used. With `log`, logs the count
 * and why (`threads: 2 (auto: 1.93 of 2 cores free over 150 ms)`); {@link threadChoice} says it too.
 */
export function applyThreads(requested: number, log?: (line: string) => void): number {
  last = chooseThreads(requested, process.env.GENREC_THREADS);
  setNumThreads(last.threads);
  log?.(`threads: ${last.threads} (${last.why})`);
  return last.threads;
}

/** The last {@link applyThreads} choice for a log: `2 threads (auto: …)`; undefined before one. */
export function threadChoice(): string | undefined {
  return last && `${last.threads} thread${last.threads === 1 ? '' : 's'} (${last.why})`;
}
