// Grad-mode scopes and global engine settings.
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

/** Intra-op threads used by libtorch kernels. Use one per core that is really free. */
export function setNumThreads(n: number): void {
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
