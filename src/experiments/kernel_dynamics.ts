// kernel-dynamics: standard training vs PGD-AT from the same seed, trained to convergence (20 epochs,
// lr ×0.1 at epochs 10 and 15), with the probe kernel's movement, scale and spectrum at every check,
// compared at matched epochs and at matched training loss; claims as paired differences over seeds.

import type { Section } from '../report/document.js';
import { accuracySection, claimsSection, floorsSection, kernelCurvePlot, type Claim, type Floor } from './evidence.js';
import { fixed, pct, sig, type Experiment } from './experiment.js';
import { overlayRecipes } from '../run/recipe.js';
import { dataRecipe, modelRecipe } from './scales.js';

const VARIANTS = ['standard', 'pgd'];
/** Ends of epochs where the two runs are compared (the lr falls after epochs 10 and 15 of 20). */
const MATCHED_EPOCHS = [1, 5, 10, 15, 20];
/** Training losses (each run's own objective: clean CE, or CE on its PGD examples) at which the kernels are compared. */
const MATCHED_LOSSES = [1.6, 1.3, 1.1, 0.95];

const FLOORS: Floor[] = [
  { variant: 'standard', source: 'eval[0].accuracy.clean', min: 0.85, label: 'clean' },
  { variant: 'pgd', source: 'eval[0].accuracy.clean', min: 0.7, label: 'clean' },
  { variant: 'pgd', source: 'eval[0].accuracy.pgd20', min: 0.5, label: 'PGD-20' },
];

/** The three-stage picture: the kernel moves fast first and slows at each lr decay (paired within each run's seeds). */
const CLAIMS: Claim[] = [
  ...VARIANTS.flatMap((v): Claim[] => [
    {
      statement: `${v}: the kernel slows after the first lr decay`,
      a: { variant: v, source: 'derived:stageVelocity(2)' },
      b: { variant: v, source: 'derived:stageVelocity(1)' },
      expected: 'decrease',
      format: sig,
    },
    {
      statement: `${v}: and again after the second`,
      a: { variant: v, source: 'derived:stageVelocity(3)' },
      b: { variant: v, source: 'derived:stageVelocity(2)' },
      expected: 'decrease',
      format: sig,
    },
  ]),
  {
    statement: 'PGD-AT moves the kernel further from its initial value than standard training',
    a: { variant: 'pgd', source: 'kernel[-1].distanceToInit' },
    b: { variant: 'standard', source: 'kernel[-1].distanceToInit' },
    expected: 'increase',
    format: fixed(3),
  },
  {
    statement: 'PGD-AT brings the adversarial-example kernel closer to the clean one',
    a: { variant: 'pgd', source: 'kernel[-1].adversarial.distanceToClean' },
    b: { variant: 'standard', source: 'kernel[-1].adversarial.distanceToClean' },
    expected: 'decrease',
    format: fixed(3),
  },
];

export const kernelDynamics: Experiment = {
  summary:
    "Kernel dynamics (background of the study's second finding): how the empirical NTK of a fixed probe set moves under standard " +
    'training and under PGD-AT from the same initialisation and data order, trained to convergence with two learning-rate decays (the claimed ' +
    'three stages), compared at matched epochs and at matched training loss, and how far the kernel of adversarial examples is from the clean one.',
  base: (scale) =>
    overlayRecipes(
      dataRecipe(scale, { train: 10000, val: 500, test: 1000 }),
      { evaluation: { threats: ['clean', 'pgd20', 'autoattack-lite'] } },
      modelRecipe(scale, 'mlp'),
      scale === 'paper'
        ? {
            training: { epochs: 30, lr: 0.1, schedule: 'piecewise', attack: { eps: 8 / 255, steps: 10 } },
            ntk: { probePerClass: 20, everyEpochs: 2 },
          }
        : {
            training: { epochs: 20, lr: 0.05, schedule: 'piecewise', logEvery: 20, attack: { eps: 0.1, steps: 10, stepFactor: 0.25 } },
            ntk: { probePerClass: 20 },
          },
      { ntk: { enabled: true, attack: 'pgd', attackSteps: 10, regressionPerClass: 10 } },
    ),
  variants: () => [
    { name: 'standard', description: 'standard training on clean data', recipe: { training: { method: 'standard' } } },
    { name: 'pgd', description: 'PGD-AT', recipe: { training: { method: 'pgd' } } },
  ],
  analyse(collect) {
    const atEpoch = (e: number, key: string) => `kernel{epochFraction=${e}}[0].${key}`;
    const matchedEpochs: Section = {
      title: 'The kernels at matched epochs',
      blocks: [
        {
          kind: 'text',
          text: 'At the end of each listed epoch: the cosine distance 1 − S of the clean probe kernel to its initial value, its scale λ_max, and the distance of the adversarial-example (PGD) kernel to the clean one; mean ± sd over seeds (each seed in brackets).',
        },
        {
          kind: 'table',
          columns: ['epoch', ...VARIANTS.flatMap((v) => [`${v}: distance to init`, `${v}: λ_max`, `${v}: clean-adv distance`])],
          rows: MATCHED_EPOCHS.map((e) => [
            String(e),
            ...VARIANTS.flatMap((v) => [
              collect.cell(v, atEpoch(e, 'distanceToInit'), fixed(3)),
              collect.cell(v, atEpoch(e, 'lambdaMax'), sig),
              collect.cell(v, atEpoch(e, 'adversarial.distanceToClean'), fixed(3)),
            ]),
          ]),
        },
      ],
    };
    const matchedLoss: Section = {
      title: 'The kernels at matched training loss',
      blocks: [
        {
          kind: 'text',
          text: 'Where each run\'s training loss (its mean over a logged interval of 20 steps: clean cross-entropy for standard training, cross-entropy on its PGD examples for PGD-AT) first fell to the level (epoch), and the kernel\'s distance to init at the first check from there on; "-" where a run never reached it.',
        },
        {
          kind: 'table',
          columns: ['training loss <=', ...VARIANTS.flatMap((v) => [`${v}: epoch`, `${v}: distance to init`])],
          rows: MATCHED_LOSSES.map((l) => [
            String(l),
            ...VARIANTS.flatMap((v) => [
              collect.cell(v, `derived:epochAtLoss(${l})`, fixed(2)),
              collect.cell(v, `derived:distanceAtLoss(${l})`, fixed(3)),
            ]),
          ]),
        },
      ],
    };
    const spectrum: Section = {
      title: 'Spectrum at the end of training',
      blocks: [
        {
          kind: 'table',
          columns: [
            'variant',
            'λ_max',
            'top-10 energy (200 probes)',
            'effective rank',
            'training s (incl. checks)',
            'of which kernel checks s',
          ],
          rows: VARIANTS.map((v) => [
            v,
            collect.cell(v, 'kernel[-1].lambdaMax', sig),
            collect.cell(v, 'kernel[-1].topEnergy10', fixed(3)),
            collect.cell(v, 'kernel[-1].effectiveRank', fixed(1)),
            collect.cell(v, 'derived:trainingSeconds', sig),
            collect.cell(v, 'derived:kernelCheckSeconds', sig),
          ]),
        },
      ],
    };
    const regression: Section = {
      title: 'What the kernel knows: kernel regression with the probe kernel',
      blocks: [
        {
          kind: 'text',
          text:
            'At every check, the kernel machine of the probe kernel (the 200 probes as its training points, one-hot targets, f0 = 0, ridge by leave-one-out; ' +
            'docs/METHODS.md, the kernel machine) predicts 100 further held-out validation images, clean and attacked against the network (PGD-10): what the kernel alone knows ' +
            '(Fort et al. 2020). "90 % epoch": the first check at which its clean accuracy reaches 90 % of its value at the last check; beside it the kernel velocity of the three lr stages.',
        },
        {
          kind: 'table',
          columns: [
            'variant',
            '90 % epoch',
            'kernel machine clean, last check',
            'kernel machine adversarial, last check',
            'network clean (test)',
            'velocity stage 1',
            'stage 2',
            'stage 3',
          ],
          rows: VARIANTS.map((v) => [
            v,
            collect.cell(v, 'derived:kernelRegressionEpoch(0.9)', fixed(2)),
            collect.cell(v, 'kernel[-1].regression.kernel.clean', pct),
            collect.cell(v, 'kernel[-1].regression.kernel.adversarial', pct),
            collect.cell(v, 'eval[0].accuracy.clean', pct),
            ...[1, 2, 3].map((s) => collect.cell(v, `derived:stageVelocity(${s})`, sig)),
          ]),
        },
        kernelCurvePlot(
          collect,
          VARIANTS,
          'regression.kernel.clean',
          'Kernel machine of the probe kernel: clean accuracy on 100 held-out images',
          'accuracy',
          'x_kernel_regression.svg',
        ),
      ],
    };
    return [
      floorsSection(collect, FLOORS),
      accuracySection(collect, VARIANTS),
      claimsSection(collect, CLAIMS),
      matchedEpochs,
      matchedLoss,
      spectrum,
      regression,
      {
        title: 'Kernel movement over training',
        blocks: [
          kernelCurvePlot(
            collect,
            VARIANTS,
            'distanceToInit',
            'Distance of the probe kernel to its initial value',
            '1 − S(K_t, K_0)',
            'x_distance.svg',
          ),
          kernelCurvePlot(
            collect,
            VARIANTS,
            'velocity',
            'Kernel velocity (KD per epoch between checks)',
            'KD / epoch',
            'x_velocity.svg',
            'log',
          ),
          kernelCurvePlot(collect, VARIANTS, 'lambdaMax', 'Kernel scale λ_max', 'λ_max', 'x_lambda_max.svg', 'log'),
        ],
      },
    ];
  },
};
