// kernel-dynamics: standard training vs PGD-AT from the same seed, with the probe kernel logged
// at every check: a kernel-distance heatmap over all checks of both runs, velocity, polar
// dynamics, top-k energy and the clean-vs-adversarial kernel distance.

import { kernelDistance } from '../ntk/metrics.js';
import type { Section } from '../report/document.js';
import { fixed, pct, sig, type Experiment, type RunResult } from './experiment.js';
import { renderHeatmap } from '../report/svg.js';
import { num } from './fields.js';
import { dataArgs, modelArgs } from './scales.js';

const VARIANTS = ['standard', 'pgd'];

export const kernelDynamics: Experiment = {
  summary: 'Kernel dynamics (background of the study\'s second finding): how the empirical NTK of a fixed probe set moves under standard ' +
    'training and under PGD-AT from the same initialisation and data order, and how far the kernel of adversarial examples is from the clean one.',
  base: (scale) => [
    ...dataArgs(scale, { train: 1000, val: 100, test: 300 }), ...modelArgs(scale, 'mlp'),
    ...(scale === 'paper'
      ? ['--epochs', '30', '--eps', '8/255', '--lr', '0.1', '--schedule', 'piecewise', '--pgd-steps', '10', '--probe-per-class', '20', '--ntk-every', '2']
      : ['--epochs', '3', '--eps', '0.1', '--lr', '0.05', '--schedule', 'piecewise', '--pgd-steps', '3', '--pgd-step-factor', '0.5', '--probe-per-class', '3']),
    '--ntk', 'on', '--ntk-attack', 'pgd', '--ntk-log-kernels', 'on',
  ],
  variants: () => [
    { name: 'standard', description: 'standard training on clean data', args: ['--method', 'standard'] },
    { name: 'pgd', description: 'PGD-AT', args: ['--method', 'pgd'] },
  ],
  analyse(collect) {
    const groups = VARIANTS.map((v) => [v, collect.of(v)] as [string, RunResult[]]);
    const lastKernel = (key: string) => `kernel[-1].${key}`;
    const table: Section = {
      title: 'Final accuracy and kernel at the end of training',
      blocks: [{
        kind: 'table',
        columns: ['variant', 'clean', 'PGD-20', 'distance to init', 'top-10 energy', 'effective rank', 'clean-adv distance', 'training s'],
        rows: VARIANTS.map((v) => [
          v, collect.cell(v, 'eval[0].accuracy.clean', pct), collect.cell(v, 'eval[0].accuracy.pgd20', pct),
          collect.cell(v, lastKernel('distanceToInit'), fixed(3)), collect.cell(v, lastKernel('topEnergy10'), fixed(3)),
          collect.cell(v, lastKernel('effectiveRank'), fixed(1)), collect.cell(v, lastKernel('adversarial.distanceToClean'), fixed(3)),
          collect.cell(v, 'derived:trainingSeconds', sig),
        ]),
      }],
    };
    const seed0 = groups.map(([name, rs]) => [name, rs[0]] as const).filter(([, r]) => r);
    const checks = seed0.flatMap(([name, r]) => r.records.filter((k) => k.type === 'kernel' && Array.isArray(k.kernel))
      .map((k) => ({ label: `${name} ${num(k.epochFraction).toFixed(2)}`, kernel: k.kernel as number[] })));
    const matrix = checks.map((a) => checks.map((b) => kernelDistance(Float64Array.from(a.kernel), Float64Array.from(b.kernel))));
    const heatmap: Section = {
      title: 'Kernel-distance heatmap (seed 0)',
      blocks: [
        {
          kind: 'text', text: 'Kernel distance 1 − S between the probe kernels of every check of the standard run and the PGD-AT run of seed 0 ' +
            '(computed from the kernel matrices in their logs; rows and columns are "variant epoch"). The off-diagonal blocks compare the two runs at each pair of checks.',
        },
        {
          kind: 'figure', file: 'x_standard_vs_pgd_heatmap.svg', title: 'Kernel distance between checks, standard and PGD-AT (seed 0)',
          svg: renderHeatmap({ title: 'Kernel distance between checks, standard and PGD-AT (seed 0)', labels: checks.map((c) => c.label), matrix, valueLabel: '1 − S(K_i, K_j)' }),
        },
      ],
    };
    return [table, heatmap];
  },
};
