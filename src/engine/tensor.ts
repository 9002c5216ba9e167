// Tensor: a handle over a libtorch at::Tensor with the ops genrec's models, losses and
// decoders need. Every op goes through libtorch's dispatcher (native `call`), so autograd,
// dtype promotion and error checking are libtorch's; errors surface as JS exceptions naming
// the op and the input shapes. New ops are one line each (see `op`).
import { native, type NativeArg, type NativeDType, type NativeHandle, type NativeResult } from './native.js';
import { track, type Disposable } from './scope.js';

export type DType = NativeDType;
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type Arg = Tensor | number | boolean | string | null | undefined | Arg[];
type ScalarOrTensor = Tensor | number;

function toNative(a: Arg): NativeArg {
  if (a instanceof Tensor) return a.h;
  if (Array.isArray(a)) return a.map(toNative);
  return a;
}

function wrap(r: NativeResult): Tensor {
  if (typeof r !== 'number') throw new Error('expected a tensor result');
  return new Tensor(r as NativeHandle);
}
function wrapList(r: NativeResult): Tensor[] {
  if (!Array.isArray(r)) throw new Error('expected a list result');
  return r.map(wrap);
}

// Safety net only: a Tensor object that is garbage-collected without dispose() frees its
// tensor here (later, when the event loop turns). Scopes (`tidy`) are the real mechanism.
const collected = new FinalizationRegistry<NativeHandle>((h) => void native.dispose(h));

/** Calls the ATen operator `name.overload` and wraps a single tensor result. */
export function op(name: string, overload: string, ...args: Arg[]): Tensor {
  return wrap(native.call('aten::' + name, overload, args.map(toNative)));
}
/** Calls an ATen operator that returns several tensors (a tuple or a list). */
export function opList(name: string, overload: string, ...args: Arg[]): Tensor[] {
  return wrapList(native.call('aten::' + name, overload, args.map(toNative)));
}

export class Tensor implements Disposable {
  readonly h: NativeHandle;
  constructor(h: NativeHandle) {
    this.h = h;
    collected.register(this, h, this);
    track(this);
  }

  // ---- queries ----
  get shape(): number[] {
    return native.shape(this.h);
  }
  get dtype(): DType {
    return native.dtype(this.h);
  }
  get device(): string {
    return native.device(this.h);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  size(dim: number): number {
    const s = this.shape;
    return s[dim < 0 ? s.length + dim : dim];
  }
  get isDisposed(): boolean {
    return native.isDisposed(this.h);
  }
  dispose(): void {
    if (native.dispose(this.h)) collected.unregister(this);
  }
  toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor([${this.shape.join(', ')}] ${this.dtype})`;
  }

  // ---- data out ----
  toFloat32(): Float32Array {
    return native.toTyped(this.h, 'float32');
  }
  toFloat64(): Float64Array {
    return native.toTyped(this.h, 'float64');
  }
  toInt32(): Int32Array {
    return native.toTyped(this.h, 'int32');
  }
  toBigInt64(): BigInt64Array {
    return native.toTyped(this.h, 'int64');
  }
  toBool(): Uint8Array {
    return native.toTyped(this.h, 'bool');
  }
  /** Values as plain numbers (float64 view of any dtype). */
  toArray(): number[] {
    return Array.from(this.toFloat64());
  }
  item(): number {
    return native.item(this.h);
  }

  // ---- autograd ----
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this.h, on);
    return this;
  }
  get requiresGrad(): boolean {
    return native.requiresGrad(this.h);
  }
  /** A new handle to this tensor's gradient (or null). The handle is scope-tracked. */
  get grad(): Tensor | null {
    const g = native.grad(this.h);
    return g === null ? null : new Tensor(g);
  }
  clearGrad(): void {
    native.clearGrad(this.h);
  }
  backward(grad?: Tensor): void {
    native.backward(this.h, grad?.h);
  }
  detach(): Tensor {
    return op('detach', '', this);
  }
  /** Copies src's values into this tensor in place, outside autograd. */
  assign(src: Tensor): void {
    native.assign(this.h, src.h);
  }

  // ---- elementwise ----
  add(o: ScalarOrTensor, alpha = 1): Tensor {
    return typeof o === 'number' ? op('add', 'Scalar', this, o, alpha) : op('add', 'Tensor', this, o, alpha);
  }
  sub(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('sub', 'Scalar', this, o) : op('sub', 'Tensor', this, o);
  }
  /** o - this */
  rsub(o: number): Tensor {
    return op('rsub', 'Scalar', this, o);
  }
  mul(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('mul', 'Scalar', this, o) : op('mul', 'Tensor', this, o);
  }
  div(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('div', 'Scalar', this, o) : op('div', 'Tensor', this, o);
  }
  pow(e: ScalarOrTensor): Tensor {
    return typeof e === 'number' ? op('pow', 'Tensor_Scalar', this, e) : op('pow', 'Tensor_Tensor', this, e);
  }
  neg(): Tensor {
    return op('neg', '', this);
  }
  exp(): Tensor {
    return op('exp', '', this);
  }
  log(): Tensor {
    return op('log', '', this);
  }
  log1p(): Tensor {
    return op('log1p', '', this);
  }
  sqrt(): Tensor {
    return op('sqrt', '', this);
  }
  rsqrt(): Tensor {
    return op('rsqrt', '', this);
  }
  abs(): Tensor {
    return op('abs', '', this);
  }
  square(): Tensor {
    return op('square', '', this);
  }
  tanh(): Tensor {
    return op('tanh', '', this);
  }
  sigmoid(): Tensor {
    return op('sigmoid', '', this);
  }
  logSigmoid(): Tensor {
    return op('log_sigmoid', '', this);
  }
  relu(): Tensor {
    return op('relu', '', this);
  }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return op('gelu', '', this, approximate);
  }
  sin(): Tensor {
    return op('sin', '', this);
  }
  cos(): Tensor {
    return op('cos', '', this);
  }
  sign(): Tensor {
    return op('sign', '', this);
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return op('clamp', '', this, min, max);
  }
  maximum(o: Tensor): Tensor {
    return op('maximum', '', this, o);
  }
  minimum(o: Tensor): Tensor {
    return op('minimum', '', this, o);
  }
  floor(): Tensor {
    return op('floor', '', this);
  }
  /** remainder (Python %) */
  remainder(o: number): Tensor {
    return op('remainder', 'Scalar', this, o);
  }
  floorDivide(o: number): Tensor {
    return op('div', 'Scalar_mode', this, o, 'floor');
  }

  // ---- comparisons and logic (results are bool) ----
  eq(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('eq', 'Scalar', this, o) : op('eq', 'Tensor', this, o);
  }
  ne(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('ne', 'Scalar', this, o) : op('ne', 'Tensor', this, o);
  }
  lt(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('lt', 'Scalar', this, o) : op('lt', 'Tensor', this, o);
  }
  le(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('le', 'Scalar', this, o) : op('le', 'Tensor', this, o);
  }
  gt(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('gt', 'Scalar', this, o) : op('gt', 'Tensor', this, o);
  }
  ge(o: ScalarOrTensor): Tensor {
    return typeof o === 'number' ? op('ge', 'Scalar', this, o) : op('ge', 'Tensor', this, o);
  }
  logicalAnd(o: Tensor): Tensor {
    return op('logical_and', '', this, o);
  }
  logicalOr(o: Tensor): Tensor {
    return op('logical_or', '', this, o);
  }
  logicalNot(): Tensor {
    return op('logical_not', '', this);
  }
  isfinite(): Tensor {
    return op('isfinite', '', this);
  }
  /** where(this, a, b): a where this is true, else b. */
  where(a: ScalarOrTensor, b: ScalarOrTensor): Tensor {
    if (typeof a === 'number' && typeof b === 'number') return op('where', 'Scalar', this, a, b);
    if (typeof a === 'number') return op('where', 'ScalarSelf', this, a, b);
    if (typeof b === 'number') return op('where', 'ScalarOther', this, a, b);
    return op('where', 'self', this, a, b);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return op('masked_fill', 'Scalar', this, mask, value);
  }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? op('sum', '', this) : op('sum', 'dim_IntList', this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? op('mean', '', this) : op('mean', 'dim', this, dim, keepdim);
  }
  /** max over a dim: [values, indices] */
  maxDim(dim: number, keepdim = false): [Tensor, Tensor] {
    const [v, i] = opList('max', 'dim', this, dim, keepdim);
    return [v, i];
  }
  minDim(dim: number, keepdim = false): [Tensor, Tensor] {
    const [v, i] = opList('min', 'dim', this, dim, keepdim);
    return [v, i];
  }
  max(): Tensor {
    return op('max', '', this);
  }
  min(): Tensor {
    return op('min', '', this);
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return op('amax', '', this, dim, keepdim);
  }
  argmax(dim: number, keepdim = false): Tensor {
    return op('argmax', '', this, dim, keepdim);
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return op('logsumexp', '', this, dim, keepdim);
  }
  norm(): Tensor {
    return op('linalg_vector_norm', '', this, 2);
  }
  any(): Tensor {
    return op('any', '', this);
  }
  all(): Tensor {
    return op('all', '', this);
  }
  cumsum(dim: number): Tensor {
    return op('cumsum', '', this, dim);
  }

  // ---- shape and indexing ----
  reshape(shape: number[]): Tensor {
    return op('reshape', '', this, shape);
  }
  view(shape: number[]): Tensor {
    return op('view', '', this, shape);
  }
  flatten(start = 0, end = -1): Tensor {
    return op('flatten', 'using_ints', this, start, end);
  }
  permute(dims: number[]): Tensor {
    return op('permute', '', this, dims);
  }
  transpose(a: number, b: number): Tensor {
    return op('transpose', 'int', this, a, b);
  }
  unsqueeze(dim: number): Tensor {
    return op('unsqueeze', '', this, dim);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? op('squeeze', '', this) : op('squeeze', 'dim', this, dim);
  }
  expand(shape: number[]): Tensor {
    return op('expand', '', this, shape);
  }
  contiguous(): Tensor {
    return op('contiguous', '', this);
  }
  clone(): Tensor {
    return op('clone', '', this);
  }
  /** this[..., start:end:step, ...] along dim (negative indices allowed, end exclusive). */
  slice(dim: number, start: number | null, end: number | null = null, step = 1): Tensor {
    return op('slice', 'Tensor', this, dim, start, end, step);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return op('narrow', '', this, dim, start, length);
  }
  /** this[..., index, ...] along dim (removes the dim). */
  select(dim: number, index: number): Tensor {
    return op('select', 'int', this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return op('index_select', '', this, dim, index);
  }
  /** Advanced indexing this[i0, i1, ...] with int64/bool index tensors (null = full slice). */
  index(indices: (Tensor | null)[]): Tensor {
    return op('index', 'Tensor', this, indices);
  }
  gather(dim: number, index: Tensor): Tensor {
    return op('gather', '', this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: ScalarOrTensor): Tensor {
    return typeof src === 'number'
      ? op('scatter', 'value', this, dim, index, src)
      : op('scatter', 'src', this, dim, index, src);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return op('scatter_add', '', this, dim, index, src);
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return op('index_add', '', this, dim, index, src);
  }
  repeat(times: number[]): Tensor {
    return op('repeat', '', this, times);
  }
  repeatInterleave(repeats: number, dim: number): Tensor {
    return op('repeat_interleave', 'self_int', this, repeats, dim);
  }
  split(size: number, dim = 0): Tensor[] {
    return opList('split', 'Tensor', this, size, dim);
  }
  unbind(dim = 0): Tensor[] {
    return opList('unbind', 'int', this, dim);
  }
  tril(diagonal = 0): Tensor {
    return op('tril', '', this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return op('triu', '', this, diagonal);
  }

  // ---- linear algebra and nn ----
  matmul(o: Tensor): Tensor {
    return op('matmul', '', this, o);
  }
  /** x W^T + b (W: [out, in]) */
  linear(weight: Tensor, bias: Tensor | null = null): Tensor {
    return op('linear', '', this, weight, bias);
  }
  softmax(dim: number): Tensor {
    return op('softmax', 'int', this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return op('log_softmax', 'int', this, dim);
  }
  layerNorm(normalizedShape: number[], weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
    return op('layer_norm', '', this, normalizedShape, weight, bias, eps);
  }
  dropout(p: number, train: boolean): Tensor {
    return p > 0 && train ? op('dropout', '', this, p, train) : this;
  }
  /** Mean (or sum/none) token cross-entropy; this: [N, C] logits, target: [N] int64. */
  crossEntropy(
    target: Tensor,
    opts: { ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none'; labelSmoothing?: number } = {},
  ): Tensor {
    const red = { none: 0, mean: 1, sum: 2 }[opts.reduction ?? 'mean'];
    return op('cross_entropy_loss', '', this, target, null, red, opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0);
  }

  // ---- search and sampling ----
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    const [v, i] = opList('topk', '', this, k, dim, largest, sorted);
    return [v, i];
  }
  sort(dim = -1, descending = false, stable = true): [Tensor, Tensor] {
    const [v, i] = opList('sort', 'stable', this, stable, dim, descending);
    return [v, i];
  }
  argsort(dim = -1, descending = false): Tensor {
    return op('argsort', '', this, dim, descending);
  }
  /** Draws n indices per row from the (unnormalised, non-negative) weights in this. */
  multinomial(n: number, replacement = false): Tensor {
    return op('multinomial', '', this, n, replacement, null);
  }

  // ---- dtype ----
  to(dtype: DType): Tensor {
    return op('to', 'dtype', this, dtype, false, false, null);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
}

// ---- creation ----
function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor from numbers or a typed array (copied). dtype defaults from the typed array. */
export function tensor(data: ArrayLike<number> | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  const s = shape ?? [data.length];
  if (numelOf(s) !== data.length) {
    throw new RangeError(`tensor: shape [${s.join(', ')}] needs ${numelOf(s)} values, got ${data.length}`);
  }
  if (data instanceof Float32Array) return new Tensor(native.fromTyped(data, s, dtype ?? 'float32'));
  if (data instanceof Float64Array) return new Tensor(native.fromTyped(data, s, dtype ?? 'float64'));
  if (data instanceof Int32Array) return new Tensor(native.fromTyped(data, s, dtype ?? 'int64'));
  if (data instanceof BigInt64Array) return new Tensor(native.fromTyped(data, s, dtype ?? 'int64'));
  if (data instanceof Uint8Array) return new Tensor(native.fromTyped(data, s, dtype ?? 'bool'));
  const d = dtype ?? 'float32';
  if (d === 'float32') return new Tensor(native.fromTyped(Float32Array.from(data), s, d));
  if (d === 'int64' || d === 'int32') {
    const arr = Int32Array.from(data);
    for (let i = 0; i < arr.length; i++) {
      if (arr[i] !== data[i]) throw new RangeError(`tensor: value ${data[i]} is not a 32-bit integer`);
    }
    return new Tensor(native.fromTyped(arr, s, d));
  }
  if (d === 'bool' || d === 'uint8') return new Tensor(native.fromTyped(Uint8Array.from(data), s, d));
  return new Tensor(native.fromTyped(Float64Array.from(data), s, d));
}

export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  return tensor([v], [], dtype);
}
export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return op('zeros', '', shape, dtype);
}
export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return op('ones', '', shape, dtype);
}
export function full(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  return op('full', '', shape, value, dtype);
}
export function arange(end: number, dtype: DType = 'int64'): Tensor {
  return op('arange', '', end, dtype);
}
export function arangeRange(start: number, end: number, step = 1, dtype: DType = 'int64'): Tensor {
  return op('arange', 'start_step', start, end, step, dtype);
}
/** Standard normal samples (libtorch's generator: seed with manualSeed). */
export function randn(shape: number[], dtype: DType = 'float32'): Tensor {
  return op('randn', '', shape, dtype);
}
/** Uniform [0, 1) samples. */
export function rand(shape: number[], dtype: DType = 'float32'): Tensor {
  return op('rand', '', shape, dtype);
}
export function randint(high: number, shape: number[], dtype: DType = 'int64'): Tensor {
  return op('randint', '', high, shape, dtype);
}
export function zerosLike(t: Tensor): Tensor {
  return op('zeros_like', '', t);
}
export function onesLike(t: Tensor): Tensor {
  return op('ones_like', '', t);
}
export function fullLike(t: Tensor, value: number): Tensor {
  return op('full_like', '', t, value);
}
export function cat(ts: Tensor[], dim = 0): Tensor {
  return op('cat', '', ts, dim);
}
export function stack(ts: Tensor[], dim = 0): Tensor {
  return op('stack', '', ts, dim);
}
export function where(cond: Tensor, a: ScalarOrTensor, b: ScalarOrTensor): Tensor {
  return cond.where(a, b);
}
/** Embedding lookup: weight [V, D], indices int64 [...] -> [..., D]. */
export function embedding(weight: Tensor, indices: Tensor, paddingIdx = -1): Tensor {
  return op('embedding', '', weight, indices, paddingIdx);
}
