// co-spectrum (the study's third finding) at the setting co-calibration found to collapse: single-step
// AT (zero-init FGSM, FGSM-RS at 2ε and 1.25ε, N-FGSM, the anisotropic start) beside PGD-AT and standard
// training as negative controls; the spectrum monitor's lead time and false alarms; claims paired over seeds.

import type { Section } from '../report/document.js';
import { accuracySection, claimsSection, floorsSection, type Claim } from './evidence.js';
import { fixed, pct, sig, type Collector, type Experiment } from './experiment.js';
import { overlayRecipes, type PartialRecipe } from '../run/recipe.js';
import type { TrainMethod } from '../train/methods.js';
import { dataRecipe, modelRecipe } from './scales.js';

/**
 * The radius and lr of the small setting: co-calibration (held-out seed 1000, docs/results/README.md) found
 * the MLP collapsing there under zero-init FGSM (CO criterion at epoch 12) and FGSM-RS at 2ε (epoch 10),
 * while PGD-AT reaches 42 % PGD-20.
 */
export const CO_EPS = 0.2;

const SINGLE_STEP = ['fgsm', 'fgsm-rs-2', 'fgsm-rs', 'n-fgsm', 'aniso-gradient', 'aniso-uniform', 'aniso-monitor'];
const CONTROLS = ['pgd', 'standard'];
const VARIANTS = [...SINGLE_STEP, ...CONTROLS];

const worst = 'eval[0].accuracy.worst-case';
const claim = (statement: string, a: string, b: string): Claim => ({
  statement,
  a: { variant: a, source: worst },
  b: { variant: b, source: worst },
  expected: 'increase',
  format: pct,
});
const CLAIMS: Claim[] = [
  claim('the anisotropic start (gradient scale) is more robust than zero-init FGSM', 'aniso-gradient', 'fgsm'),
  claim('the anisotropic start (gradient scale) is more robust than FGSM-RS at 1.25ε', 'aniso-gradient', 'fgsm-rs'),
  claim('the anisotropic start (gradient scale) is more robust than N-FGSM', 'aniso-gradient', 'n-fgsm'),
  claim('the anisotropic start (uniform scale) is more robust than FGSM-RS at 1.25ε', 'aniso-uniform', 'fgsm-rs'),
  claim('switching to the anisotropic start when the monitor fires is more robust than staying with FGSM', 'aniso-monitor', 'fgsm'),
];

const method = (m: TrainMethod): PartialRecipe => ({ training: { method: m } });

export const coSpectrum: Experiment = {
  summary:
    'Finding 3 (our design of the test): catastrophic overfitting (CO) of single-step AT, the spectrum of the adversarial-example kernel ' +
    'beside it, and the anisotropic start as a fix, at the setting co-calibration found to collapse (MLP, ε ' +
    CO_EPS +
    ', constant lr 0.05, 15 epochs ' +
    'of 10,000 images). Every run tracks 100 PGD probes every quarter epoch and runs the spectrum monitor (a jump of log λ_max of the adversarial ' +
    'kernel beyond 3 standard deviations of its last 4 checks); PGD-AT and standard training are its negative controls. CO is the criterion of ' +
    'docs/METHODS.md section 7 on the per-epoch validation (500 images, PGD-10 and FGSM).',
  base: (scale) =>
    overlayRecipes(
      dataRecipe(scale, { train: 10000, val: 500, test: 1000 }),
      modelRecipe(scale, 'mlp'),
      scale === 'paper'
        ? { training: { epochs: 30, lr: 0.2, schedule: 'cyclic', attack: { eps: 16 / 255, steps: 10 } }, ntk: { probePerClass: 10 } }
        : {
            training: { epochs: 15, lr: 0.05, schedule: 'constant', logEvery: 20, attack: { eps: CO_EPS, steps: 10, stepFactor: 0.25 } },
            ntk: { probePerClass: 10 },
          },
      { ntk: { enabled: true, attack: 'pgd', attackSteps: 10, everyEpochs: 0.25, monitor: 'watch' }, training: { validationPgdSteps: 10 } },
    ),
  variants: () => [
    { name: 'fgsm', description: 'FGSM-AT (zero start, step ε)', recipe: method('fgsm') },
    { name: 'fgsm-rs-2', description: 'FGSM-RS, step 2ε', recipe: { training: { method: 'fgsm-rs', attack: { singleStepFactor: 2 } } } },
    { name: 'fgsm-rs', description: 'FGSM-RS, step 1.25ε', recipe: method('fgsm-rs') },
    { name: 'n-fgsm', description: 'N-FGSM (noise 2ε, step ε, no projection)', recipe: method('n-fgsm') },
    {
      name: 'aniso-gradient',
      description: 'anisotropic start, scale from a running |∇x L| average, step 1.25ε',
      recipe: { training: { method: 'fgsm-aniso', attack: { anisotropy: 'gradient' } } },
    },
    {
      name: 'aniso-uniform',
      description: 'anisotropic start, i.i.d. uniform scale, step 1.25ε',
      recipe: { training: { method: 'fgsm-aniso', attack: { anisotropy: 'uniform' } } },
    },
    {
      name: 'aniso-monitor',
      description: 'zero-init FGSM until the spectrum monitor fires, then the gradient-scaled anisotropic start',
      recipe: { training: { method: 'fgsm-aniso', attack: { anisotropy: 'gradient' } }, ntk: { monitor: 'aniso' } },
    },
    { name: 'pgd', description: 'PGD-10 AT (negative control of the monitor; reference accuracy)', recipe: method('pgd') },
    { name: 'standard', description: 'standard training (negative control of the monitor)', recipe: method('standard') },
  ],
  analyse(collect) {
    const runsOf = (v: string) => collect.of(v);
    const collapsed = (v: string) => runsOf(v).filter((r) => Number.isFinite(collect.one(r, 'derived:coCriterionEpoch').value));
    const fired = (v: string) => runsOf(v).filter((r) => Number.isFinite(collect.one(r, 'event{event=co-monitor}[0].epochFraction').value));
    const falseAlarms = (v: string) => {
      const [withCo, firing] = [new Set(collapsed(v)), new Set(fired(v))];
      const quiet = runsOf(v).filter((r) => !withCo.has(r));
      return `${quiet.filter((r) => firing.has(r)).length} of ${quiet.length}`;
    };
    const monitor: Section = {
      title: 'Collapse and the spectrum monitor',
      blocks: [
        {
          kind: 'text',
          text:
            "CO at epoch: the first validation check meeting the CO criterion. Monitor lead: epochs from the monitor's first firing to that check " +
            '(positive: it fired before the collapse was visible; checks every 0.25 epoch, validation every epoch). False alarms: runs that never met the CO criterion ' +
            'in which the monitor fired anyway; PGD-AT and standard training are the negative controls.',
        },
        {
          kind: 'table',
          columns: [
            'variant',
            'runs with CO',
            'CO at epoch',
            'monitor first fired (epoch)',
            'monitor lead (epochs)',
            'false alarms',
            'passes (M)',
            'training s',
          ],
          rows: VARIANTS.map((v) => [
            v,
            `${collapsed(v).length} of ${runsOf(v).length}`,
            collect.cell(v, 'derived:coCriterionEpoch', fixed(0)),
            collect.cell(v, 'event{event=co-monitor}[0].epochFraction', fixed(2)),
            collect.cell(v, 'derived:monitorLead', fixed(2)),
            falseAlarms(v),
            collect.cell(v, 'derived:passes', (x) => (x / 1e6).toFixed(2)),
            collect.cell(v, 'derived:trainingSeconds', sig),
          ]),
        },
        {
          kind: 'table',
          columns: ['variant', 'what'],
          rows: coSpectrum.variants({ scale: 'small', seeds: 1 }).map((v) => [v.name, v.description]),
        },
      ],
    };
    return [
      floorsSection(collect, [
        { variant: 'pgd', source: 'eval[0].accuracy.clean', min: 0.6, label: 'clean' },
        { variant: 'pgd', source: 'eval[0].accuracy.pgd20', min: 0.35, label: 'PGD-20' },
      ]),
      accuracySection(collect, VARIANTS),
      claimsSection(collect, CLAIMS),
      monitor,
      spectrumSection(collect),
    ];
  },
};

/** Seed 0 of each collapsing-prone method: the adversarial kernel's λ_max at each check beside the validation PGD accuracy (every number from the log). */
function spectrumSection(collect: Collector): Section {
  const series = SINGLE_STEP.slice(0, 4)
    .concat('aniso-gradient', 'pgd')
    .map((v) => {
      const r = collect.of(v)[0];
      const checks = r ? r.records.filter((k) => k.type === 'kernel') : [];
      const points = checks.map((k, i): [number, number] => [
        k.epochFraction as number,
        collect.one(r, `kernel[${i}].adversarial.lambdaMax`).value,
      ]);
      return { name: v, points, markers: false };
    })
    .filter((s) => s.points.length > 0);
  return {
    title: "The adversarial kernel's scale over training (first seed)",
    blocks: [
      {
        kind: 'plot',
        file: 'x_adv_lambda_max.svg',
        plot: { title: 'λ_max of the PGD-probe kernel', xLabel: 'epoch', yLabel: 'λ_max', yScale: 'log', series },
      },
    ],
  };
}
