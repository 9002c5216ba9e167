// Grad-mode scopes and global engine settings.
// Per thread: each worker_thread has its own tensors (handle table) and grad mode. Process-wide:
// manualSeed's generator and setNumThreads's count (with libtorch's OpenMP backend a thread takes
// the count up at its first parallel op; each thread's parallel ops start their own team).
import { availableParallelism } from 'node:os';
import { native } from './native.js';

/** Runs fn with autograd recording disabled (like torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** Seeds libtorch's default generator (randn, rand, dropout, multinomial, ...). */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/**
 * Intra-op threads used by libtorch kernels. Use one per core that is really free. More threads
 * than cores only contend (OpenMP threads spin), and an unbounded count stalls the machine, so
 * n must be an integer in [1, cores]; anything else is a RangeError naming the limit.
 */
export function setNumThreads(n: number): void {
  const cores = availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: ${n} is not a whole number of threads ≥ 1`);
  if (n > cores) throw new RangeError(`setNumThreads: ${n} exceeds this machine's ${cores} cores`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Number of tensor handles currently holding memory (for leak tests). */
export function liveTensors(): number {
  return native.liveCount();
}

export function torchVersion(): string {
  return native.version();
}

/** Returns freed heap memory to the OS (glibc malloc_trim). Call between phases (after an
 *  epoch, after an evaluation): RSS otherwise stays at its high-water mark. */
export function releaseMemory(): boolean {
  return native.mallocTrim();
}
