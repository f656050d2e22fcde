// AutoAttack's cascade over a data set: threat after threat, each run only on the samples that are
// correct clean and that every earlier threat failed to break, a targeted threat one target at a
// time on the samples still robust (per-sample early stop). Each sample draws from its own streams
// (attacks/streams.ts), so the cascade's verdict on a sample equals that of the threats run on every
// sample (`early: false`); the flags stay on the host, the samples go to the device in batches.

import { threatEntry, threatName, type Threat } from '../attacks/registry.js';
import { SampleStreams } from '../attacks/streams.js';
import type { Norm } from '../ops/attack_step.js';
import type { AttackBnMode } from '../attacks/options.js';
import { uploadBatch } from '../data/batching.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Model } from '../nn/model.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of cascade. */
export interface CascadeOptions {
  eps: number;
  norm: Norm;
  pgdStepFactor: number;
  attackBnMode: AttackBnMode;
  batchSize: number;
  seed: number;
  /** true: each threat runs on the samples still robust (the cascade); false: on every clean-correct sample. */
  early: boolean;
  /** Called per batch of a stage: `done` of `total` sample-runs of the stage named `stage`. */
  onProgress: ((stage: string, done: number, total: number) => void) | null;
  /** Milliseconds clock for the per-stage times. */
  now: () => number;
}

/** One threat of a cascade: per sample 1 = not broken by it (0 also where it did not run), and its time. */
export interface CascadeStage {
  threat: string;
  parameters: Record<string, number | string>;
  /** 1 where the sample survived this threat (the samples it ran on). */
  survived: Uint8Array;
  /** 1 where correct clean and not broken by this or any earlier threat. */
  robust: Uint8Array;
  /** Samples the threat ran on (its first target's pool). */
  attacked: number;
  seconds: number;
}

/** Per-sample clean correctness and the stages, in order. */
export interface CascadeResult {
  clean: Uint8Array;
  stages: CascadeStage[];
}

/** Runs `threats` (the clean one is implicit and skipped) on `data` as AutoAttack does. */
export async function cascade(model: Model, data: ImageDataset, threats: readonly Threat[], o: CascadeOptions): Promise<CascadeResult> {
  const everyone = Uint32Array.from({ length: data.length }, (_, i) => i);
  const clean = new Uint8Array(data.length);
  await overBatches(
    model,
    data,
    everyone,
    o.batchSize,
    async (x) => x,
    (id, correct) => {
      clean[id] = correct;
    },
  );
  let robust = clean.slice();
  const stages: CascadeStage[] = [];
  for (const threat of threats) {
    if (threat.kind === 'clean') continue;
    const start = o.now();
    const name = threatName(threat);
    const survived = (o.early ? robust : clean).slice();
    const targets = (threat as { targets?: number }).targets ?? 0;
    const ranks = targets > 0 ? Array.from({ length: targets }, (_, i) => i + 1) : [0];
    const attacked = survived.reduce((a, b) => a + b, 0);
    const total = ranks.length * attacked;
    let reported = 0;
    const report = (done: number) => {
      if (done <= reported && done < total) return;
      reported = done;
      o.onProgress?.(name, done, total);
    };
    for (const [r, rank] of ranks.entries()) {
      const pool = everyone.filter((i) => survived[i] === 1);
      let done = 0;
      const at = (samples: number) => r * attacked + Math.floor((samples / Math.max(pool.length, 1)) * attacked);
      await overBatches(
        model,
        data,
        pool,
        o.batchSize,
        async (x, y, ids) => {
          const adv = await threatEntry(threat).run(threat, {
            model,
            x,
            y,
            rng: new SampleStreams(o.seed, name, ids),
            rank,
            eps: o.eps,
            norm: o.norm,
            bnMode: o.attackBnMode,
            pgdStepFactor: o.pgdStepFactor,
            onProgress: (fraction) => report(Math.min(at(done + fraction * ids.length), total - 1)),
          });
          done += ids.length;
          report(r === ranks.length - 1 && done === pool.length ? total : Math.min(at(done), total - 1));
          return adv;
        },
        (id, correct) => {
          if (!correct) survived[id] = 0;
        },
      );
    }
    if (reported < total) report(total);
    robust = robust.map((v, i) => v & survived[i]);
    stages.push({
      threat: name,
      parameters: threatEntry(threat).parameters(threat),
      survived,
      robust,
      attacked,
      seconds: (o.now() - start) / 1000,
    });
  }
  return { clean, stages };
}

/** For the samples `ids` in batches: `attack` (x, y, ids) -> x', then `verdict(id, 1 | 0)` by model(x') on the host. */
async function overBatches(
  model: Model,
  data: ImageDataset,
  ids: Uint32Array,
  batchSize: number,
  attack: (x: Tensor, y: Tensor, ids: Uint32Array) => Promise<Tensor>,
  verdict: (id: number, correct: number) => void,
): Promise<void> {
  for (let at = 0; at < ids.length; at += batchSize) {
    const batch = uploadBatch(model.gpu, data, ids.subarray(at, at + batchSize));
    try {
      const adv = await attack(batch.x, batch.y, batch.indices);
      const logits = model.forward(adv, { mode: 'eval', record: false });
      if (adv !== batch.x) adv.dispose();
      const { losses, correct } = softmaxCrossEntropy(logits, batch.y);
      [logits, losses].forEach((t) => t.dispose());
      const flags = await correct.read();
      correct.dispose();
      batch.indices.forEach((id, j) => verdict(id, flags[j] === 1 ? 1 : 0));
    } finally {
      batch.dispose();
    }
  }
}
