// Shared helpers of the RL loss tests (test/rl-loss-*.test.ts): autograd value and gradient of a scalar function of
// one float64 tensor, and its check against central finite differences.
import assert from 'node:assert/strict';
import { noGrad, tensor, tidy, type Tensor } from '../src/engine/index.js';

/** A scalar loss as a function of one input tensor (built fresh for every evaluation). */
export type ScalarFn = (x: Tensor) => Tensor;

export function assertClose(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} (tol ${tol})`);
}

export function assertAllClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assertClose(a[i], b[i], tol, `${what}[${i}]`);
}

/** Value and autograd gradient of f at x (float64, shape `shape`). */
export function valueAndGrad(f: ScalarFn, x: ArrayLike<number>, shape: number[]): { value: number; grad: number[] } {
  return tidy(() => {
    const t = tensor(Float64Array.from(x), shape).requiresGrad_(true);
    const loss = f(t);
    assert.deepEqual(loss.shape, [], 'the loss must be a scalar');
    loss.backward();
    const g = t.grad;
    assert.ok(g, 'the input received no gradient');
    return { value: loss.item(), grad: g.toArray() };
  });
}

function valueAt(f: ScalarFn, x: Float64Array, shape: number[]): number {
  return tidy(() => noGrad(() => f(tensor(x, shape)).item()));
}

/**
 * Autograd gradient of f at x against central finite differences (h = 1e-6, float64): every component within
 * `tol` (absolute), and at least `minNonzero` components clearly non-zero (a vanishing gradient passes no check).
 */
export function gradCheck(f: ScalarFn, x: ArrayLike<number>, shape: number[], what: string, minNonzero = 1): void {
  const { grad } = valueAndGrad(f, x, shape);
  const x0 = Float64Array.from(x);
  const h = 1e-6;
  let nonzero = 0;
  for (let i = 0; i < x0.length; i++) {
    const xp = Float64Array.from(x0);
    const xm = Float64Array.from(x0);
    xp[i] += h;
    xm[i] -= h;
    const fd = (valueAt(f, xp, shape) - valueAt(f, xm, shape)) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]) < 1e-7, `${what}: d/dx[${i}] autograd ${grad[i]} vs finite difference ${fd}`);
    if (Math.abs(grad[i]) > 1e-6) nonzero++;
  }
  assert.ok(nonzero >= minNonzero, `${what}: only ${nonzero} gradient components are non-zero`);
}
