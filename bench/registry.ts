// Every bench by name (`npm run bench -- <name>`; bench/main.ts runs them, test/bench-smoke-all.test.ts checks them).
import type { Bench } from './args.js';
import { engineBench } from './engine.js';
import { officeBench, sidBench } from './office.js';
import { sasrecBench } from './sasrec.js';
import { objectivesBench } from './objectives.js';
import { bearBench } from './bear.js';
import { exactBench } from './exact.js';
import { scoringBench } from './scoring.js';
import { figureBench } from './figure.js';
import { serveBench } from './serve.js';
import { listBench } from './list.js';
import { bladeBench } from './blade.js';
import { vstarBench } from './vstar.js';

export const BENCHES: Record<string, Bench> = {
  engine: engineBench,
  office: officeBench,
  sid: sidBench,
  sasrec: sasrecBench,
  objectives: objectivesBench,
  bear: bearBench,
  exact: exactBench,
  scoring: scoringBench,
  figure: figureBench,
  serve: serveBench,
  list: listBench,
  blade: bladeBench,
  vstar: vstarBench,
};
