// Minimal module system: named parameters (kept outside memory scopes), train/eval mode,
// and the layers a decoder-only transformer needs. Layers are plain classes whose forward
// is a method; composition is explicit (nanoGPT style).
import { keep } from './scope.js';
import { embedding, ones, randn, zeros, type DType, Tensor } from './tensor.js';
import { noGrad } from './autograd.js';

export class Module {
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  /** Registers a trainable parameter (requires grad; owned by the module, not by any scope). */
  protected param(name: string, t: Tensor): Tensor {
    if (this._params.has(name)) throw new Error(`parameter '${name}' registered twice`);
    keep(t);
    noGrad(() => t.requiresGrad_(true));
    this._params.set(name, t);
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    if (this._children.has(name)) throw new Error(`module '${name}' registered twice`);
    this._children.set(name, m);
    return m;
  }
  /** All parameters with dotted names, in registration order (deterministic). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix + n, p]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(prefix + n + '.'));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.numel, 0);
  }
  train(on = true): this {
    this.training = on;
    for (const c of this._children.values()) c.train(on);
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Frees every parameter's memory. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
  /** Copies values from a name → tensor map (shapes must match; unknown or missing names throw). */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, strict = true): void {
    const m = state instanceof Map ? state : new Map(Object.entries(state));
    const own = new Map(this.namedParameters());
    for (const [name, p] of own) {
      const src = m.get(name);
      if (!src) {
        if (strict) throw new Error(`loadStateDict: missing parameter '${name}'`);
        continue;
      }
      const a = p.shape.join(','),
        b = src.shape.join(',');
      if (a !== b) throw new Error(`loadStateDict: '${name}' has shape [${b}], expected [${a}]`);
      p.assign(src);
    }
    if (strict)
      for (const name of m.keys()) if (!own.has(name)) throw new Error(`loadStateDict: unexpected parameter '${name}'`);
  }
}

/** What {@link inEvalMode} needs of a model: a Module is one (so is anything that forwards the mode to one). */
export interface HasTrainMode {
  readonly training: boolean;
  eval(): unknown;
  train(on: boolean): unknown;
}

/**
 * Runs `fn` with `module` in eval mode (no dropout) and restores the mode it had before, also when `fn` throws.
 * Nests: an inner call restores eval mode, the outer one the original mode.
 */
export function inEvalMode<R>(module: HasTrainMode, fn: () => R): R {
  const wasTraining = module.training;
  module.eval();
  try {
    return fn();
  } finally {
    module.train(wasTraining);
  }
}

/** Normal(0, std) initialised tensor. */
export function normalInit(shape: number[], std: number, dtype: DType = 'float32'): Tensor {
  return noGrad(() => {
    const r = randn(shape, dtype);
    const s = r.mul(std);
    r.dispose();
    return s;
  });
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(inF: number, outF: number, opts: { bias?: boolean; std?: number; dtype?: DType } = {}) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.param('weight', normalInit([outF, inF], opts.std ?? 0.02, dtype));
    this.bias = opts.bias === false ? null : this.param('bias', zeros([outF], dtype));
  }
  forward(x: Tensor): Tensor {
    return x.linear(this.weight, this.bias);
  }
}

export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(num: number, dim: number, opts: { std?: number; dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', normalInit([num, dim], opts.std ?? 0.02, opts.dtype ?? 'float32'));
  }
  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
    dtype: DType = 'float32',
  ) {
    super();
    this.weight = this.param('weight', ones([dim], dtype));
    this.bias = this.param('bias', zeros([dim], dtype));
  }
  forward(x: Tensor): Tensor {
    return x.layerNorm([this.dim], this.weight, this.bias, this.eps);
  }
}
