// bn-estimators, part (a) of the study's first finding (Bessel's correction of BatchNorm's running
// variance): an MLP with BatchNorm1d after each hidden layer trained with PGD-AT at batch sizes 4, 8,
// 32 and 128 for the same number of steps, with the unbiased (× m/(m − 1), PyTorch) or the biased
// (TF.js, Haiku) running variance; each model evaluated with its running buffers and with batch
// statistics. Floors, accuracy with its binomial SE, and paired claims over seeds (evidence.ts).

import type { Section } from '../report/document.js';
import type { LinePlot } from '../report/svg.js';
import { accuracySection, claimsSection, floorsSection, type Claim, type Floor } from './evidence.js';
import { fixed, pct, sig, type Collector, type Experiment, type GridOptions, type Scale, type Variant } from './experiment.js';
import { num } from './fields.js';
import { RUNNING_VARIANCES } from '../ops/batchnorm.js';
import { overlayRecipes } from '../run/recipe.js';
import { dataRecipe } from './scales.js';

/** Training images and optimizer steps of every run, per scale: the epochs of each batch size follow (steps · batch / images). */
const BUDGET: Record<Scale, { trainSize: number; steps: number }> = {
  small: { trainSize: 16000, steps: 4000 },
  paper: { trainSize: 50000, steps: 12500 },
};
const BATCH_SIZES = [4, 8, 32, 128];
const VARIANCES = RUNNING_VARIANCES;
/** Evaluation with batch statistics: test batches of this size (evaluate()'s default), shuffled so that each mixes the classes. */
const EVAL_BATCH = 200;

const name = (batch: number, variance: string) => `batch${batch}-${variance}`;
const stepsPerEpoch = (scale: Scale, batch: number) => Math.ceil(BUDGET[scale].trainSize / batch);
/** Whole epochs closest to the step budget (exact at the small scale: 16,000 images divide by every batch size). */
const epochsOf = (scale: Scale, batch: number) => Math.max(1, Math.round(BUDGET[scale].steps / stepsPerEpoch(scale, batch)));

/** The grid: batch size × running-variance estimator, one list. */
function variantsAt(scale: Scale): Variant[] {
  return BATCH_SIZES.flatMap((batch) =>
    VARIANCES.map((variance): Variant => {
      const epochs = epochsOf(scale, batch);
      return {
        name: name(batch, variance),
        description:
          `batch ${batch}, ${variance} running variance${variance === 'unbiased' ? ` (× ${batch}/${batch - 1} = ${(batch / (batch - 1)).toFixed(3)})` : ''}; ` +
          `${epochs} epoch(s) × ${stepsPerEpoch(scale, batch)} steps = ${epochs * stepsPerEpoch(scale, batch)} steps`,
        recipe: {
          training: { batchSize: batch, epochs },
          model: { bn: { runningVariance: variance } },
          ntk: { everyEpochs: Math.max(1, Math.floor(epochs / 4)) },
        },
      };
    }),
  );
}

const VARIANT_NAMES = variantsAt('small').map((v) => v.name);
const RUNNING = 'eval{bn=running}[0]';
const BATCH = 'eval{bn=batch}[0]';

/** MLP PGD-AT at eps 0.1 on Fashion-MNIST (METHODS §7), with the running buffers; no floors are calibrated for the MLP on CIFAR-10. */
const FLOORS: Floor[] = VARIANT_NAMES.flatMap((v): Floor[] => [
  { variant: v, source: `${RUNNING}.accuracy.clean`, min: 0.7, label: 'clean (running buffers)' },
  { variant: v, source: `${RUNNING}.accuracy.pgd20`, min: 0.5, label: 'PGD-20 (running buffers)' },
]);

const estimatorClaim = (batch: number, key: string, label: string): Claim => ({
  statement: `unbiased running variance beats biased at batch ${batch} (${label}, running buffers)`,
  a: { variant: name(batch, 'unbiased'), source: `${RUNNING}.accuracy.${key}` },
  b: { variant: name(batch, 'biased'), source: `${RUNNING}.accuracy.${key}` },
  expected: 'increase',
  format: pct,
});

/** The study's claim where m/(m − 1) is large (batch 4 and 8), the same at batch 128 where it is 1.008, and the running buffers against batch statistics at batch 4. */
const CLAIMS: Claim[] = [
  estimatorClaim(4, 'worst-case', 'worst case'),
  estimatorClaim(8, 'worst-case', 'worst case'),
  estimatorClaim(4, 'clean', 'clean'),
  estimatorClaim(128, 'worst-case', 'worst case'),
  ...VARIANCES.map(
    (variance): Claim => ({
      statement: `at batch 4 (${variance}), batch statistics beat the running buffers (worst case)`,
      a: { variant: name(4, variance), source: `${BATCH}.accuracy.worst-case` },
      b: { variant: name(4, variance), source: `${RUNNING}.accuracy.worst-case` },
      expected: 'increase',
      format: pct,
    }),
  ),
];

export const bnEstimators: Experiment = {
  summary:
    "Finding 1 (a), our design of the test: does BatchNorm's running variance need Bessel's correction? An MLP 784-256-128-10 with " +
    'BatchNorm1d after each hidden layer (Normalize first) is trained with PGD-AT (eps 0.1, PGD-10, step eps/4) at batch sizes 4, 8, 32 and 128 for ' +
    'the same number of optimizer steps (the lr decays at the same steps), with the unbiased (PyTorch) or the biased (TF.js, Haiku) running ' +
    'variance, same seeds; each model is evaluated (clean, PGD-20, AutoAttack-lite) with its running buffers and with batch statistics.',
  base: (scale) =>
    overlayRecipes(
      dataRecipe(scale, { train: BUDGET.small.trainSize, val: 500, test: 1000 }),
      {
        evaluation: { threats: ['clean', 'pgd20', 'autoattack-lite'], bnBatchStats: true },
        model: { kind: 'mlp', hidden: [256, 128], normalize: true, batchNorm: true },
      },
      scale === 'paper'
        ? { training: { lr: 0.05, attack: { eps: 8 / 255 } } }
        : { training: { lr: 0.05, logEvery: 20, attack: { eps: 0.1 } } },
      {
        training: { method: 'pgd', schedule: 'piecewise', validationPgdSteps: 10, attack: { steps: 10, stepFactor: 0.25 } },
        ntk: { enabled: true, attack: 'none', probePerClass: 10 },
      },
    ),
  variants: (grid: GridOptions) => variantsAt(grid.scale),
  analyse(collect, grid) {
    const variants = variantsAt(grid.scale).filter((v) => collect.of(v.name).length > 0); // a run of chosen variants reports those
    const names = variants.map((v) => v.name);
    const design: Section = {
      title: 'Design',
      blocks: [
        { kind: 'table', columns: ['variant', 'what'], rows: variants.map((v) => [v.name, v.description]) },
        {
          kind: 'text',
          text:
            `Training normalises with each batch's own (biased) statistics; the running buffers are EMAs (momentum 0.1) of the batch statistics, ` +
            'the unbiased one multiplying each batch variance by m/(m − 1), m = the batch size for BatchNorm1d. They enter training only through the PGD attack, ' +
            'which runs with BatchNorm on the running buffers (--attack-bn-mode eval), and evaluation with running buffers. Evaluation with batch statistics ' +
            `normalises each shuffled test batch of ${EVAL_BATCH} with its own statistics (attacks included), so it does not read the running buffers at all.`,
        },
        {
          kind: 'table',
          columns: ['variant', 'steps (logged)', 'epochs', 'passes (M)', 'training s (incl. checks)'],
          rows: names.map((v) => [
            v,
            collect.cell(v, 'event{event=end}[0].steps', sig),
            collect.cell(v, 'event{event=end}[0].epochs', sig),
            collect.cell(v, 'derived:passes', (x) => (x / 1e6).toFixed(3)),
            collect.cell(v, 'derived:trainingSeconds', sig),
          ]),
        },
      ],
    };
    const kernels: Section = {
      title: 'The probe kernel, with running buffers and with batch statistics',
      blocks: [
        {
          kind: 'table',
          columns: [
            'variant',
            'final kernel distance to init',
            'kernel distance running vs batch stats',
            'trace (running)',
            'trace (batch stats)',
          ],
          rows: names.map((v) => [
            v,
            collect.cell(v, 'kernel[-1].distanceToInit', fixed(3)),
            collect.cell(v, 'bn-kernel[0].distance', fixed(3)),
            collect.cell(v, 'bn-kernel[0].traceRunning', sig),
            collect.cell(v, 'bn-kernel[0].traceBatch', sig),
          ]),
        },
        {
          kind: 'text',
          text:
            "Kernel distance running vs batch stats: 1 − cosine similarity between the trained model's trace NTK on the probe set (10 held-out images per class in the grid) with BatchNorm on " +
            "its running buffers (the NTK convention) and with BatchNorm on the probe set's own statistics (the probe set as one batch; src/ntk/batch_stats.ts).",
        },
      ],
    };
    return [
      ...(grid.scale === 'small'
        ? [
            floorsSection(
              collect,
              FLOORS.filter((f) => names.includes(f.variant)),
            ),
          ]
        : []),
      accuracySection(collect, names, 'Test accuracy with the running buffers', RUNNING),
      accuracySection(collect, names, `Test accuracy with batch statistics (shuffled test batches of ${EVAL_BATCH})`, BATCH),
      claimsSection(collect, CLAIMS),
      design,
      kernels,
      { title: 'Training loss over steps', blocks: [lossPlot(collect, names)] },
    ];
  },
};

/** Mean over seeds of the logged interval-mean training loss (cross-entropy on the PGD examples) against the step, one line per variant (at most ~40 points); every value read through the collector. */
function lossPlot(collect: Collector, names: string[]) {
  const series = names.map((v) => {
    const runs = collect.of(v);
    const steps = [...new Set(runs.flatMap((r) => r.records.filter((s) => s.type === 'step').map((s) => num(s.step))))].sort(
      (a, b) => a - b,
    );
    const every = Math.max(1, Math.ceil(steps.length / 40));
    const points = steps
      .filter((_, i) => i % every === every - 1 || i === steps.length - 1)
      .map((step): [number, number] => {
        const values = runs.map((r) => collect.one(r, `step{step=${step}}[0].loss`).value).filter(Number.isFinite);
        return [step, values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN];
      })
      .filter(([, y]) => Number.isFinite(y));
    return { name: `${v} (mean of ${runs.length} seeds)`, points, markers: false };
  });
  const plot: LinePlot = {
    title: 'Training loss (PGD examples, interval mean) against the step',
    xLabel: 'step',
    yLabel: 'cross-entropy',
    series,
    yScale: 'log',
  };
  return { kind: 'plot' as const, file: 'x_loss_steps.svg', plot };
}
