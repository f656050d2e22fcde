// kernel-warmup (the study's second finding): can clean training stand in for adversarial training
// early on, and does the probe kernel tell when to stop it? Full PGD-AT against PGD-AT on the kernel
// rule's budget, single-step AT (FGSM-RS, N-FGSM), clean warm-ups of fixed length and the kernel rule
// (tau fixed on a held-out seed by kernel-warmup-calibration), trained to convergence; accuracy against
// cost in passes and in wall time with the kernel checks; claims as paired differences over seeds.

import type { Block, Section } from '../report/document.js';
import { COLORS, type LinePlot, type Series } from '../report/svg.js';
import { accuracySection, claimsAmong, claimsSection, floorsSection, judgeClaim, type Claim, type Floor } from './evidence.js';
import { fixed, pct, sig, type Collector, type Experiment, type RunResult } from './experiment.js';
import { aggregate, formatAggregate } from './measure.js';
import { overlayRecipes, type PartialRecipe } from '../run/recipe.js';
import type { TrainMethod } from '../train/methods.js';
import {
  CALIBRATED_SWITCH_EPOCH,
  CALIBRATION_RULE,
  KERNEL_RULE,
  PGD_BUDGET_EPOCHS,
  RULE_TRACKING,
  WARMUP_EPOCHS,
  WARMUP_PGD_STEPS,
  warmupSetting,
} from './warmup_calibration.js';

export { KERNEL_RULE } from './warmup_calibration.js';

/** The fixed clean warm-up as long as the kernel rule's on the held-out seed (1 epoch of 20): the rule's equal-length control. */
const MATCHED = CALIBRATED_SWITCH_EPOCH / WARMUP_EPOCHS;
/** Fixed clean warm-ups, as fractions of the run: epochs 1 (matched), 2, 4 and 6 of 20, all before the first lr decay (after epoch 10). */
const FIXED = [MATCHED, 0.1, 0.2, 0.3];
const fixedName = (f: number) => `fixed-${Math.round(100 * f)}`;
const MATCHED_FIXED = fixedName(MATCHED);
const VARIANTS = ['pgd', 'pgd-budget', 'fgsm-rs', 'n-fgsm', ...FIXED.map(fixedName), 'kernel-rule'];
const epochs = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;

const WORST = 'eval[0].accuracy.worst-case';
/** Non-inferiority margin against full PGD-AT, in worst-case accuracy (fraction). */
const MARGIN = 0.02;

const FLOORS: Floor[] = ['pgd', 'pgd-budget'].flatMap((variant): Floor[] => [
  { variant, source: 'eval[0].accuracy.clean', min: 0.7, label: 'clean' },
  { variant, source: 'eval[0].accuracy.pgd20', min: 0.5, label: 'PGD-20' },
]);

const millions = (v: number) => (Number.isFinite(v) ? (v / 1e6).toFixed(3) : '-');
const robust = (statement: string, a: string, b: string, expected: Claim['expected']): Claim => ({
  statement,
  a: { variant: a, source: WORST },
  b: { variant: b, source: WORST },
  expected,
  format: pct,
});
const CLAIMS: Claim[] = [
  {
    statement: 'the kernel rule trains with fewer passes than full PGD-AT',
    a: { variant: 'kernel-rule', source: 'derived:passes' },
    b: { variant: 'pgd', source: 'derived:passes' },
    expected: 'decrease',
    format: millions,
  },
  {
    statement: 'the kernel rule takes less training wall time than full PGD-AT, its kernel checks included',
    a: { variant: 'kernel-rule', source: 'derived:trainingSeconds' },
    b: { variant: 'pgd', source: 'derived:trainingSeconds' },
    expected: 'decrease',
    format: sig,
  },
  robust("the kernel rule loses worst-case accuracy against full PGD-AT (the sceptic's claim)", 'kernel-rule', 'pgd', 'decrease'),
  robust('the kernel rule is more robust than PGD-AT on about its budget of passes', 'kernel-rule', 'pgd-budget', 'increase'),
  robust(
    `the kernel rule is more robust than the fixed clean warm-up of its length on the held-out seed (${MATCHED_FIXED})`,
    'kernel-rule',
    MATCHED_FIXED,
    'increase',
  ),
  ...FIXED.filter((f) => f !== MATCHED).map((f) =>
    robust(`a clean warm-up of ${Math.round(100 * f)} % loses worst-case accuracy against full PGD-AT`, fixedName(f), 'pgd', 'decrease'),
  ),
  robust('the kernel rule is more robust than FGSM-RS', 'kernel-rule', 'fgsm-rs', 'increase'),
  robust('the kernel rule is more robust than N-FGSM', 'kernel-rule', 'n-fgsm', 'increase'),
];

const fixedSwitch = (f: number): PartialRecipe => ({ training: { method: 'pgd' }, switch: { rule: 'fixed', capFraction: f } });
const method = (m: TrainMethod): PartialRecipe => ({ training: { method: m } });

export const kernelWarmup: Experiment = {
  summary:
    'Finding 2 (our design of the test): clean training can stand in for adversarial training early on, and the probe kernel tells when to stop. ' +
    `The MLP (Normalize first layer) on 10,000 Fashion-MNIST images, ${WARMUP_EPOCHS} epochs, lr 0.05 ×0.1 after epochs 10 and 15, ε 0.1, PGD-${WARMUP_PGD_STEPS} AT (α = ε/4): ` +
    `full PGD-AT; PGD-AT with the passes the kernel rule used on the held-out seed (${PGD_BUDGET_EPOCHS} epochs, the same schedule shape); FGSM-RS and N-FGSM; ` +
    `clean warm-ups of ${FIXED.map((f) => Math.round(100 * f)).join(', ')} % of the epochs, then PGD-AT (all end before the first decay; ${MATCHED_FIXED} as long as the ` +
    "kernel rule's warm-up on the held-out seed); and the kernel rule: clean training until the " +
    `clean-adversarial distance of the trace kernel of 200 held-out probes (clean vs PGD-${WARMUP_PGD_STEPS}) exceeds tau = ${KERNEL_RULE.tau} at ${KERNEL_RULE.patience} ` +
    `checks in a row (checks at 0, 5, 10, 25, 50, 75 % of epoch 1, then every epoch), capped at ${KERNEL_RULE.cap * 100} % (epoch ${KERNEL_RULE.cap * WARMUP_EPOCHS}), then PGD-AT; ` +
    `its checks stop at the switch. Where tau came from (experiment kernel-warmup-calibration, seed 1000): ${CALIBRATION_RULE} ` +
    'Only the kernel rule tracks the kernel, so only it pays for checks. Tested on 1,000 images (clean, PGD-20, AutoAttack-lite worst case).',
  base: (scale) =>
    overlayRecipes(warmupSetting(scale), {
      evaluation: { threats: ['clean', 'pgd20', 'autoattack-lite'] },
      training: { epochs: WARMUP_EPOCHS, schedule: 'piecewise' },
    }),
  variants: () => [
    { name: 'pgd', description: `PGD-${WARMUP_PGD_STEPS} AT throughout`, recipe: method('pgd') },
    {
      name: 'pgd-budget',
      description: `PGD-${WARMUP_PGD_STEPS} AT for ${PGD_BUDGET_EPOCHS} epochs (×0.1 at 50 % and 75 % of them): about the passes of the kernel rule on the held-out seed`,
      recipe: { training: { method: 'pgd', epochs: PGD_BUDGET_EPOCHS } },
    },
    { name: 'fgsm-rs', description: 'FGSM-RS (uniform start, step 1.25ε) throughout', recipe: method('fgsm-rs') },
    { name: 'n-fgsm', description: 'N-FGSM (noise 2ε, step ε, no projection) throughout', recipe: method('n-fgsm') },
    ...FIXED.map((f) => ({
      name: fixedName(f),
      recipe: fixedSwitch(f),
      description: `clean for ${Math.round(100 * f)} % of the epochs (${epochs(Math.round(f * WARMUP_EPOCHS))}${f === MATCHED ? ': where the kernel rule switched on the held-out seed' : ''}), then PGD-${WARMUP_PGD_STEPS} AT`,
    })),
    {
      name: 'kernel-rule',
      description: `clean until the clean-adv probe-kernel distance > ${KERNEL_RULE.tau} at ${KERNEL_RULE.patience} checks in a row (cap ${KERNEL_RULE.cap * 100} %), then PGD-${WARMUP_PGD_STEPS} AT`,
      recipe: overlayRecipes(
        method('pgd'),
        { switch: { rule: 'kernel', tau: KERNEL_RULE.tau, patience: KERNEL_RULE.patience, capFraction: KERNEL_RULE.cap } },
        RULE_TRACKING,
      ),
    },
  ],
  analyse(collect) {
    const ran = VARIANTS.filter((v) => collect.of(v).length > 0);
    const reasons = (v: string) =>
      collect
        .of(v)
        .map((r) => String(r.records.find((x) => x.type === 'event' && x.event === 'switch')?.reason ?? '-'))
        .join(', ');
    const cost: Section = {
      title: 'Cost',
      blocks: [
        {
          kind: 'text',
          text:
            'Passes through the network per training image, summed over the run (forward + backward = 1, attack steps included: PGD-10 AT 11, ' +
            'FGSM-RS and N-FGSM 2, clean 1); they leave out validation and kernel checks. Training s: the wall time of train() (steps, kernel checks after ' +
            "the first step, per-epoch validation on 500 images, checkpoints); steps + checks s: the epochs' own time (steps and kernel checks, no validation) " +
            'plus the check before the first step; check s: every kernel check. The ratio to PGD-AT is of the means. Wall times compare only between runs ' +
            'that had the machine to themselves (--jobs 1, nothing else running); runs side by side or beside other work share its cores.',
        },
        {
          kind: 'table',
          columns: ['variant', 'what', 'switch epoch', 'switch reason (per seed)'],
          rows: ran.map((v) => [
            v,
            kernelWarmup.variants({ scale: 'small', seeds: 1 }).find((x) => x.name === v)?.description ?? '',
            collect.cell(v, 'derived:switchEpoch', fixed(2)),
            reasons(v),
          ]),
        },
        {
          kind: 'table',
          columns: [
            'variant',
            'passes (millions)',
            'passes vs PGD-AT',
            'training s',
            'steps + checks s',
            'check s',
            'training s vs PGD-AT',
          ],
          rows: ran.map((v) => {
            const ratio = (source: string) => {
              const base = collect.over('pgd', source, `${source} (PGD-AT baseline)`).mean;
              return fixed(2)(collect.over(v, source).mean / base);
            };
            return [
              v,
              collect.cell(v, 'derived:passes', millions),
              ratio('derived:passes'),
              collect.cell(v, 'derived:trainingSeconds', sig),
              formatAggregate(
                aggregate(collect.of(v).map((r) => ({ run: r.plan.id, source: 'steps + checks', value: ownSeconds(collect, r) }))),
                sig,
              ),
              collect.cell(v, 'derived:kernelCheckSeconds', sig),
              ratio('derived:trainingSeconds'),
            ];
          }),
        },
      ],
    };
    const margin = marginSection(collect, ran);
    const plots: Section = {
      title: 'Accuracy against cost',
      blocks: [
        {
          kind: 'text',
          text: "Each variant's seeds (faint) and their mean with error bars of ± one sample sd over seeds in both directions.",
        },
        costPlot(
          collect,
          ran,
          WORST,
          'derived:passes',
          'Worst-case (AutoAttack-lite) accuracy vs passes',
          'passes (millions)',
          1e-6,
          'x_worst_vs_passes.svg',
        ),
        costPlot(
          collect,
          ran,
          WORST,
          'derived:trainingSeconds',
          'Worst-case (AutoAttack-lite) accuracy vs training wall time (kernel checks included)',
          'training s',
          1,
          'x_worst_vs_seconds.svg',
        ),
        costPlot(
          collect,
          ran,
          'eval[0].accuracy.clean',
          'derived:passes',
          'Clean accuracy vs passes',
          'passes (millions)',
          1e-6,
          'x_clean_vs_passes.svg',
        ),
      ],
    };
    return [
      floorsSection(collect, FLOORS),
      accuracySection(collect, ran),
      claimsSection(collect, claimsAmong(CLAIMS, ran)),
      margin,
      cost,
      plots,
    ];
  },
};

/** Steps and kernel checks of a run, without validation: its epochs' seconds plus the check before the first step (each read through the collector). */
function ownSeconds(collect: Collector, run: RunResult): number {
  const epochs = run.records.filter((r) => r.type === 'epoch').length;
  let total = 0;
  for (let i = 0; i < epochs; i++) total += collect.one(run, `epoch[${i}].seconds`).value;
  const first = run.records.some((r) => r.type === 'kernel' && r.epochFraction === 0)
    ? collect.one(run, 'kernel{epochFraction=0}[0].seconds').value
    : 0;
  return total + first;
}

/** As robust as full PGD-AT within MARGIN? The paired worst-case difference of each variant against pgd, judged by its CI against the margin. */
function marginSection(collect: Collector, ran: string[]): Section {
  const rows = ran
    .filter((v) => v !== 'pgd')
    .map((v) => {
      const r = judgeClaim(collect, robust('', v, 'pgd', 'decrease'));
      const within = r.lo > -MARGIN ? 'within' : r.hi < -MARGIN ? 'loses more' : 'undecided';
      return [
        v,
        Number.isFinite(r.mean) ? pct(r.mean) : '-',
        Number.isFinite(r.lo) ? `[${pct(r.lo)}, ${pct(r.hi)}]` : 'needs >= 2 seeds',
        r.signs || '-',
        String(r.seeds.length),
        Number.isFinite(r.lo) ? within : '-',
      ];
    });
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        `Non-inferiority against full PGD-AT with a margin of ${pct(MARGIN)} worst-case accuracy (ours): the paired difference variant − pgd over the same seeds ` +
        `with its 95 % CI (as in the claims above); "within" when the whole CI lies above −${pct(MARGIN)}, "loses more" when it lies below, "undecided" otherwise.`,
    },
    { kind: 'table', columns: ['variant', 'mean variant − pgd', '95% CI', 'sign per seed', 'seeds', 'within the margin'], rows },
  ];
  return { title: `As robust as full PGD-AT within ${pct(MARGIN)}?`, blocks };
}

/** A variant's seeds as faint markers and their mean with ± sd error bars in x and y; every value read through the collector. */
function costPlot(
  collect: Collector,
  ran: string[],
  ySource: string,
  xSource: string,
  title: string,
  xLabel: string,
  xScale: number,
  file: string,
) {
  const series: Series[] = ran.flatMap((v, i): Series[] => {
    const xs = collect.over(v, xSource);
    const ys = collect.over(v, ySource);
    const seeds = xs.values.map((x, k): [number, number] => [x.value * xScale, ys.values[k].value]);
    const color = COLORS[i % COLORS.length];
    return [
      { name: `${v} seeds`, points: seeds, line: false, color, opacity: 0.35, legend: false },
      { name: v, points: [[xs.mean * xScale, ys.mean]], line: false, color, errorBars: [[xs.sd * xScale, ys.sd]] },
    ];
  });
  const plot: LinePlot = { title, xLabel, yLabel: 'accuracy', yFormat: 'percent', series };
  return { kind: 'plot' as const, file, plot };
}
