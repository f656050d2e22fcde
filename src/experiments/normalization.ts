// normalization, part (b) of the study's first finding: does data normalization change adversarial
// training? The BN-free MLP with its Normalize first layer on or off at two learning rates, ε in pixel
// units (the same threat either way), plus ε given in normalized units (a smaller threat in pixels);
// the initial kernel's constant mode logged; claims as paired differences over seeds.

import type { Section } from '../report/document.js';
import { overlayRecipes, type PartialRecipe } from '../run/recipe.js';
import { accuracySection, claimsAmong, claimsSection, floorsSection, kernelCurvePlot, type Claim, type Floor } from './evidence.js';
import { fixed, pct, sig, type Experiment, type Scale } from './experiment.js';
import { dataRecipe, modelRecipe } from './scales.js';

/** ε of the grid: 0.1 in pixel units of inputs in [0, 1] (8/255 on CIFAR-10). */
const EPS: Record<Scale, number> = { small: 0.1, paper: 8 / 255 };
/**
 * The pixel standard deviation of the training images (Fashion-MNIST 0.3530, CIFAR-10's channel mean 0.2515):
 * ε = 0.1 "in normalized units", as a pipeline that normalizes outside the model and attacks the normalized
 * input has it, is 0.1 × σ in pixel units.
 */
const PIXEL_STD: Record<Scale, number> = { small: 0.353, paper: 0.2515 };
const LRS = [0.05, 0.01];

const name = (normalize: boolean, lr: number) => `norm-${normalize ? 'on' : 'off'}${lr === LRS[0] ? '' : `-lr${lr}`}`;
const NORMALIZED_UNITS = 'norm-on-eps-normalized';

const WORST = 'eval[0].accuracy.worst-case';
const CLEAN = 'eval[0].accuracy.clean';
const K0 = 'kernel[0].constantMode';

const FLOORS: Floor[] = [
  { variant: name(true, LRS[0]), source: CLEAN, min: 0.7, label: 'clean' },
  { variant: name(true, LRS[0]), source: 'eval[0].accuracy.pgd20', min: 0.5, label: 'PGD-20' },
];

const CLAIMS: Claim[] = [
  ...LRS.flatMap((lr): Claim[] => [
    {
      statement: `at lr ${lr}, Normalize on is more robust than off (worst case, the same pixel-unit threat)`,
      a: { variant: name(true, lr), source: WORST },
      b: { variant: name(false, lr), source: WORST },
      expected: 'increase',
      format: pct,
    },
    {
      statement: `at lr ${lr}, Normalize on is more accurate than off (clean)`,
      a: { variant: name(true, lr), source: CLEAN },
      b: { variant: name(false, lr), source: CLEAN },
      expected: 'increase',
      format: pct,
    },
  ]),
  {
    statement: 'without Normalize, the constant mode dominates the initial kernel K0 more',
    a: { variant: name(false, LRS[0]), source: K0 },
    b: { variant: name(true, LRS[0]), source: K0 },
    expected: 'increase',
    format: fixed(3),
  },
  {
    statement:
      'at the nominal ε 0.1, giving ε in normalized units makes Normalize on look more robust than off (its threat is σ times smaller in pixels)',
    a: { variant: NORMALIZED_UNITS, source: WORST },
    b: { variant: name(false, LRS[0]), source: WORST },
    expected: 'increase',
    format: pct,
  },
];

export const normalization: Experiment = {
  summary:
    'Finding 1 (b), our design of the test: does data normalization change adversarial training? The BN-free MLP 784-256-128-10 with its ' +
    'Normalize first layer (per-channel mean and std of the training images) on or off, PGD-AT (PGD-10, α = ε/4) at ε 0.1 in pixel units (inputs in [0, 1], ' +
    'so the threat is the same with and without Normalize), lr 0.05 or 0.01 (×0.1 after 50 % and 75 % of 20 epochs), 10,000 training images; and Normalize on ' +
    'with ε 0.1 in normalized units (0.1 σ in pixels), the unit a pipeline that normalizes outside the model and attacks the normalized input uses. ' +
    'Every run tracks the trace kernel of 100 held-out probes (clean), from initialisation (K0) on; tested on 1,000 images (clean, FGSM, PGD-20, AutoAttack-lite).',
  base: (scale) =>
    overlayRecipes(dataRecipe(scale, { train: 10000, val: 500, test: 1000 }), modelRecipe(scale, 'mlp'), {
      training: {
        method: 'pgd',
        epochs: scale === 'paper' ? 30 : 20,
        schedule: 'piecewise',
        logEvery: 20,
        validationPgdSteps: 10,
        attack: { eps: EPS[scale], steps: 10, stepFactor: 0.25 },
      },
      ntk: { enabled: true, attack: 'none', probePerClass: 10 },
    }),
  variants: (grid) => [
    ...LRS.flatMap((lr) =>
      [true, false].map((normalize) => ({
        name: name(normalize, lr),
        description: `Normalize ${normalize ? 'on' : 'off'}, lr ${lr}, ε ${sig(EPS[grid.scale])} in pixel units`,
        recipe: { model: { normalize }, training: { lr } } as PartialRecipe,
      })),
    ),
    {
      name: NORMALIZED_UNITS,
      description: `Normalize on, lr ${LRS[0]}, ε 0.1 in normalized units = ${sig(0.1 * PIXEL_STD[grid.scale])} in pixel units (σ = ${PIXEL_STD[grid.scale]})`,
      recipe: { model: { normalize: true }, training: { lr: LRS[0], attack: { eps: 0.1 * PIXEL_STD[grid.scale] } } },
    },
  ],
  analyse(collect, grid) {
    const names = normalization
      .variants(grid)
      .map((v) => v.name)
      .filter((v) => collect.of(v).length > 0);
    const kernel: Section = {
      title: 'The initial kernel K0 and the end of training',
      blocks: [
        {
          kind: 'text',
          text:
            'Constant mode: (1ᵀK1 / n) / λ_max of the trace kernel of the probes (1 when the all-ones direction is the top eigenvector, i.e. a component common ' +
            "to every probe's Jacobian dominates the kernel: the expected signature of inputs far from zero mean). λ_max / trace: the top eigenvalue's share of the spectrum.",
        },
        {
          kind: 'table',
          columns: [
            'variant',
            'K0 constant mode',
            'K0 λ_max / trace',
            'K0 effective rank',
            'final constant mode',
            'final distance to K0',
            'training s',
          ],
          rows: names.map((v) => [
            v,
            collect.cell(v, K0, fixed(3)),
            collect.cell(v, 'derived:topEigenvalueShare(0)', fixed(3)),
            collect.cell(v, 'kernel[0].effectiveRank', fixed(1)),
            collect.cell(v, 'kernel[-1].constantMode', fixed(3)),
            collect.cell(v, 'kernel[-1].distanceToInit', fixed(3)),
            collect.cell(v, 'derived:trainingSeconds', sig),
          ]),
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
      accuracySection(collect, names),
      claimsSection(collect, claimsAmong(CLAIMS, names)),
      kernel,
      {
        title: 'The constant mode over training',
        blocks: [
          kernelCurvePlot(
            collect,
            names,
            'constantMode',
            'Constant mode of the probe kernel, (1ᵀK1/n)/λ_max',
            'constant mode',
            'x_constant_mode.svg',
          ),
        ],
      },
    ];
  },
};
