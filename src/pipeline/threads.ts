// Thread count: one libtorch thread per core that is really free. OpenMP threads that share a
// core with other busy processes spin and stall each other (measured: a 2-thread training
// step on 2 cores with another process busy took 4.8x as long as 1 thread), so busy cores are
// subtracted using the 1-minute load average.
import { availableParallelism, loadavg } from 'node:os';
import { setNumThreads } from '../engine/index.js';

export function freeCores(): number {
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, Math.round(cores - loadavg()[0])));
}

/** Applies `requested` (0 = auto) and returns the thread count used. */
export function applyThreads(requested: number): number {
  const n = requested > 0 ? requested : Number(process.env.GENREC_THREADS) || freeCores();
  setNumThreads(n);
  return n;
}
