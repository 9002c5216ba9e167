// A tiny training task for the trainer tests (a linear softmax classifier on synthetic data), and — when run as a
// script with GENREC_TRAIN_CHILD set — a child process that trains it and SIGKILLs itself after a given epoch's
// checkpoint is on disk. Without that variable this file does nothing (node --test may load it).
import { Linear, manualSeed, setNumThreads, tensor } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';
import { train, type TrainerConfig } from '../src/train/trainer.js';
import type { TrainTask } from '../src/train/types.js';
import type { ObjectiveOutput } from '../src/train/objectives/types.js';

export interface Example {
  x: number[];
  y: number;
}

export const DIM = 6;
export const CLASSES = 4;

/** Points labelled by a random linear teacher, with 10% label noise. */
export function makeData(seed: number, n: number): Example[] {
  const rng = new Rng(seed);
  const teacher = new Rng(12345);
  const w = Array.from({ length: CLASSES * DIM }, () => teacher.normal());
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: DIM }, () => rng.normal());
    let y = 0;
    let best = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += w[c * DIM + d] * x[d];
      if (s > best) [best, y] = [s, c];
    }
    if (rng.next() < 0.1) y = rng.int(CLASSES);
    return { x, y };
  });
}

export class LinearTask implements TrainTask<Example> {
  readonly model: Linear;
  validations = 0;
  constructor(
    initSeed: number,
    readonly val: Example[],
    /** Optional scripted validation scores (by call index) instead of accuracy. */
    readonly scripted?: number[],
  ) {
    manualSeed(initSeed);
    this.model = new Linear(DIM, CLASSES, { std: 0.5 });
  }
  private logits(batch: Example[]) {
    const x = tensor(
      batch.flatMap((e) => e.x),
      [batch.length, DIM],
    );
    return this.model.forward(x);
  }
  loss(batch: Example[]): ObjectiveOutput {
    const y = tensor(
      batch.map((e) => e.y),
      [batch.length],
      'int64',
    );
    const logits = this.logits(batch);
    return { loss: logits.crossEntropy(y), logs: { batch: batch.length } };
  }
  validate(): { score: number; metrics: Record<string, number> } {
    const pred = this.logits(this.val).argmax(1).toArray();
    const acc = pred.filter((p, i) => p === this.val[i].y).length / this.val.length;
    const i = this.validations++;
    const score = this.scripted ? this.scripted[Math.min(i, this.scripted.length - 1)] : acc;
    return { score, metrics: { acc } };
  }
}

export interface ChildSpec {
  dir: string;
  killAfterEpoch: number;
  config: Partial<TrainerConfig>;
}

function childMain(spec: ChildSpec): void {
  setNumThreads(1);
  const task = new LinearTask(7, makeData(2, 64));
  train(task, makeData(1, 200), spec.config, {
    checkpointDir: spec.dir,
    log: (line) => console.log(line),
    onEpoch: (rec) => {
      if (rec.epoch === spec.killAfterEpoch) {
        console.log(`KILLING after epoch ${rec.epoch}`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  });
  console.log('child finished without being killed');
}

const raw = process.env.GENREC_TRAIN_CHILD;
if (raw) childMain(JSON.parse(raw) as ChildSpec);
