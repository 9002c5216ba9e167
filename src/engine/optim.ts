// Optimizers from libtorch, gradient clipping, and optimizer state for checkpoints.
import { native, type NativeHandle, type NativeOptimizer } from './native.js';
import { Tensor } from './tensor.js';
import { keep } from './scope.js';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter); libtorch's default is 0.01. */
  weightDecay?: number;
}

/** Serializable optimizer state: per parameter index, step count and moment tensors. */
export interface OptimizerState {
  kind: string;
  entries: ({ step: number; tensors: Tensor[] } | null)[];
}

export class Optimizer {
  private readonly opt: NativeOptimizer;
  readonly params: Tensor[];
  private lr: number;
  constructor(
    readonly kind: 'adamw' | 'adam' | 'sgd',
    params: Tensor[],
    options: { lr: number } & Record<string, number>,
  ) {
    if (params.length === 0) throw new Error(`${kind}: no parameters to optimise`);
    this.params = params;
    this.lr = options.lr;
    this.opt = new native.NativeOptimizer(
      kind,
      params.map((p) => p.h),
      options,
    );
  }
  step(): void {
    this.opt.step();
  }
  zeroGrad(): void {
    this.opt.zeroGrad();
  }
  get learningRate(): number {
    return this.lr;
  }
  setLr(lr: number): void {
    this.lr = lr;
    this.opt.setLr(lr);
  }
  /** Copies of the optimizer's state (the caller owns the tensors: they are kept, not scope-tracked). */
  state(): OptimizerState {
    const raw = this.opt.getState();
    return {
      kind: this.kind,
      entries: raw.map((e) => {
        if (e === null) return null;
        if (this.kind === 'sgd') return { step: 0, tensors: [keep(new Tensor(e[0] as NativeHandle))] };
        const [step, m, v] = e as [number, NativeHandle, NativeHandle];
        return { step, tensors: [keep(new Tensor(m)), keep(new Tensor(v))] };
      }),
    };
  }
  loadState(s: OptimizerState): void {
    if (s.kind !== this.kind) throw new Error(`optimizer state is for ${s.kind}, not ${this.kind}`);
    if (s.entries.length !== this.params.length) {
      throw new Error(`optimizer state has ${s.entries.length} entries for ${this.params.length} parameters`);
    }
    s.entries.forEach((e, i) => {
      if (e === null) return;
      if (this.kind === 'sgd') this.opt.setState(i, e.tensors[0].h);
      else this.opt.setState(i, e.step, e.tensors[0].h, e.tensors[1].h);
    });
  }
}

export function adamW(params: Tensor[], o: AdamWOptions): Optimizer {
  return new Optimizer('adamw', params, { weightDecay: 0.01, ...o });
}
export function adam(params: Tensor[], o: AdamWOptions): Optimizer {
  return new Optimizer('adam', params, { weightDecay: 0, ...o });
}
export function sgd(params: Tensor[], o: { lr: number; momentum?: number; weightDecay?: number }): Optimizer {
  return new Optimizer('sgd', params, o);
}

/** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return native.clipGradNorm(
    params.map((p) => p.h),
    maxNorm,
  );
}
