// Learning-rate schedule: linear warm-up, then cosine / linear decay to a floor (or constant). A pure function of
// the optimizer step, so a resumed run recomputes exactly the same rates.

export type DecayKind = 'cosine' | 'linear' | 'constant';

export interface ScheduleSpec {
  /** Peak learning rate (reached at the end of the warm-up). */
  lr: number;
  /** Total number of optimizer steps of the run. */
  totalSteps: number;
  /** Number of warm-up steps (see {@link resolveWarmup}). */
  warmupSteps: number;
  /** Decay after the warm-up. */
  kind: DecayKind;
  /** Final learning rate as a fraction of `lr` (cosine / linear). */
  minLrRatio: number;
}

/**
 * Warm-up length in steps: `warmup` < 1 is a fraction of `totalSteps` (rounded), `warmup` ≥ 1 an integer number
 * of steps. The result is clamped to `totalSteps`.
 */
export function resolveWarmup(warmup: number, totalSteps: number): number {
  if (!Number.isFinite(warmup) || warmup < 0) throw new Error(`warmup must be >= 0, got ${warmup}`);
  if (warmup >= 1 && !Number.isInteger(warmup)) {
    throw new Error(`warmup ${warmup} is neither a fraction in [0, 1) nor a whole number of steps`);
  }
  const steps = warmup < 1 ? Math.round(warmup * totalSteps) : warmup;
  return Math.min(steps, totalSteps);
}

/**
 * Learning rate for the optimizer step `step` (0-based: the rate used by the (step+1)-th update).
 * Warm-up: lr · (step + 1) / warmupSteps for step < warmupSteps. Then, with progress
 * q = (step − warmupSteps) / max(1, totalSteps − warmupSteps − 1) ∈ [0, 1]:
 * cosine: lr · (r + (1 − r) · (1 + cos(π q)) / 2); linear: lr · (r + (1 − r)(1 − q)); constant: lr,
 * where r = minLrRatio. So the first post-warm-up step runs at the peak and the last step at the floor.
 */
export function learningRateAt(step: number, s: ScheduleSpec): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`step must be a non-negative integer, got ${step}`);
  if (!(s.minLrRatio >= 0 && s.minLrRatio <= 1)) throw new Error(`minLrRatio must be in [0, 1], got ${s.minLrRatio}`);
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  if (s.kind === 'constant') return s.lr;
  const span = Math.max(1, s.totalSteps - s.warmupSteps - 1);
  const q = Math.min(1, (step - s.warmupSteps) / span);
  const r = s.minLrRatio;
  const shape = s.kind === 'cosine' ? (1 + Math.cos(Math.PI * q)) / 2 : 1 - q;
  return s.lr * (r + (1 - r) * shape);
}
