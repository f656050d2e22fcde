// kernel-dynamics: standard training vs PGD-AT from the same seed, with the probe kernel logged
// at every check: a kernel-distance heatmap over all checks of both runs, velocity, polar
// dynamics, top-k energy and the clean-vs-adversarial kernel distance.

import { kernelDistance } from '../ntk/metrics.js';
import type { Section } from '../report/document.js';
import type { LogRecord } from '../report/runlog.js';
import { fixed, pct, sig, type Experiment, type RunResult } from './experiment.js';
import { field, num, renderHeatmap, variantCurves } from './figures.js';
import { dataArgs, modelArgs } from './scales.js';

const VARIANTS = ['standard', 'pgd'];

export const kernelDynamics: Experiment = {
  summary: 'Kernel dynamics (background of the study\'s second finding): how the empirical NTK of a fixed probe set moves under standard ' +
    'training and under PGD-AT from the same initialisation and data order, and how far the kernel of adversarial examples is from the clean one.',
  base: (scale) => [
    ...dataArgs(scale, { train: 2000, val: 200, test: 500 }), ...modelArgs(scale, 'mlp'),
    ...(scale === 'paper'
      ? ['--epochs', '30', '--eps', '8/255', '--lr', '0.1', '--schedule', 'piecewise', '--pgd-steps', '10', '--probe-per-class', '20', '--ntk-every', '2']
      : ['--epochs', '4', '--eps', '0.1', '--lr', '0.05', '--schedule', 'piecewise', '--pgd-steps', '5', '--probe-per-class', '5']),
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
    const curves = (title: string, file: string, yLabel: string, y: (r: LogRecord) => number) => ({
      kind: 'plot' as const, file, plot: { title, xLabel: 'epoch', yLabel, series: variantCurves(groups, 'kernel', field.epochFraction, y) },
    });
    const dynamics: Section = {
      title: 'Kernel dynamics over training (mean over seeds)',
      blocks: [
        curves('Distance to the initial kernel', 'distance_to_init.svg', '1 − S(K_0, K_t)', field.of('distanceToInit')),
        curves('Kernel velocity', 'velocity.svg', 'distance per epoch', field.of('velocity')),
        curves('Top-10 eigenvalue energy', 'top10_energy.svg', 'E_10', field.of('topEnergy10')),
        curves('Clean vs adversarial kernel distance', 'clean_adv_distance.svg', '1 − S(K_clean, K_adv)', field.adversarial('distanceToClean')),
        curves('Largest eigenvalue', 'lambda_max.svg', 'λ_max', field.of('lambdaMax')),
        {
          kind: 'plot', file: 'polar.svg', plot: {
            title: 'Polar dynamics, seed 0 (radius ‖K_t − K_0‖/‖K_T − K_0‖, angle arccos S(K_t, K_0))', xLabel: 'radius · cos(angle)', yLabel: 'radius · sin(angle)',
            series: groups.map(([name, rs]) => {
              const polar = rs[0]?.records.filter((r) => r.type === 'kernel-polar').at(-1);
              const radius = (polar?.radius as number[] | undefined) ?? [];
              const angle = (polar?.angle as number[] | undefined) ?? [];
              return { name, points: radius.map((r, i) => [r * Math.cos(angle[i]), r * Math.sin(angle[i])] as [number, number]), markers: true };
            }),
          },
        },
      ],
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
        { kind: 'figure', file: 'kernel_distance_heatmap.svg', title: 'Kernel-distance heatmap', svg: renderHeatmap('Kernel distance between checks (seed 0)', checks.map((c) => c.label), matrix) },
      ],
    };
    return [table, dynamics, heatmap];
  },
};
