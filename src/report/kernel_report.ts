// The NTK section of a run report, built ONLY from the run's `kernel` and `kernel-polar` log
// records (written by the KernelTracker): a table per check and plots of the kernel's movement,
// velocity, spectrum (log axes) and polar trajectory, clean and adversarial side by side, the
// kernel-regression accuracy when the run scored it, and the heatmap of distances between all checks
// when the kernels themselves are logged.

import {
  aboutSection,
  configSection,
  epochSection,
  evaluationSection,
  formatNumber,
  plotSection,
  type SectionBuilder,
} from './training_report.js';
import type { Section } from './document.js';
import { runEvents } from './events.js';
import type { LogRecord } from '../io/runlog.js';
import { renderHeatmap, renderPolarPlot, type EventMarker, type Series } from './svg.js';
import { epochRecords } from './training_report.js';
import { kernelDistance } from '../ntk/metrics.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const adv = (r: LogRecord, key: string): number => num((r.adversarial as Record<string, unknown> | null)?.[key]);
/** A check's kernel-regression accuracy: `machine` kernel | linearized, `input` clean | adversarial. */
const regression = (r: LogRecord, machine: string, input: string): number =>
  num((r.regression as Record<string, Record<string, unknown>> | null | undefined)?.[machine]?.[input]);

/** What the section shows: the probe set, the metrics and, when tracked, the adversarial kernel and kernel regression. */
function kernelIntro(first: LogRecord, hasAdv: boolean, regressed: LogRecord[]): Section['blocks'][number] {
  return {
    kind: 'text',
    text:
      `Empirical NTK (${String(first.kind)} kernel, mean over logits) on a fixed probe set of ${String(first.probes)} held-out images, ` +
      'BatchNorm in eval mode, checked densely in the first epoch and then per epoch. Distance to init is 1 − S(K_0, K_t); velocity is ' +
      'the kernel distance between consecutive checks per epoch; the spectrum comes from a float64 eigen-decomposition (log axes). ' +
      'Polar dynamics: radius ‖K_t − K_0‖/‖K_T − K_0‖ and angle arccos S(K_t, K_0) on equal axes (e<k>: whole epochs). ' +
      (hasAdv
        ? 'The adversarial-example kernel is the same kernel on the probe images after the attack, and "clean-adv distance" is 1 − S between the two. '
        : '') +
      (regressed.length
        ? `Kernel regression: the kernel machine of each check's probe kernel (the probes as training points, ridge by leave-one-out) ` +
          `scored on ${String((regressed[0].regression as Record<string, unknown>).heldOut)} other held-out images, clean and attacked against the network; ` +
          '"kernel" has one-hot targets (what the kernel alone knows), "linearized" one-hot targets minus the network\'s outputs (the linearized network).'
        : ''),
  };
}

/** One row per check: its metrics (and the adversarial kernel's and kernel regression's when tracked). */
function kernelTable(checks: LogRecord[], hasAdv: boolean, regressed: LogRecord[]): Section['blocks'][number] {
  return {
    kind: 'table',
    columns: [
      'epoch',
      'step',
      'distance to init',
      'velocity',
      'λ_max',
      'effective rank',
      'condition',
      'top-10 energy',
      'alignment',
      ...(hasAdv ? ['clean-adv distance', 'adv λ_max', 'adv eff. rank'] : []),
      ...(regressed.length ? ['kernel regr. clean', 'kernel regr. adv', 'linearized clean', 'linearized adv'] : []),
      'seconds',
    ],
    rows: checks.map((r) => [
      formatNumber(r.epochFraction),
      String(r.step),
      formatNumber(r.distanceToInit),
      formatNumber(r.velocity),
      formatNumber(r.lambdaMax),
      formatNumber(r.effectiveRank),
      formatNumber(r.conditionNumber),
      formatNumber(r.topEnergy10),
      formatNumber(r.targetAlignment),
      ...(hasAdv
        ? [formatNumber(adv(r, 'distanceToClean')), formatNumber(adv(r, 'lambdaMax')), formatNumber(adv(r, 'effectiveRank'))]
        : []),
      ...(regressed.length
        ? [
            ['kernel', 'clean'],
            ['kernel', 'adversarial'],
            ['linearized', 'clean'],
            ['linearized', 'adversarial'],
          ].map(([m, i]) => formatNumber(regression(r, m, i)))
        : []),
      formatNumber(r.seconds),
    ]),
  };
}

/** The metric plots over training, with the run's events (lr milestones, switches) marked. */
function kernelPlots(records: LogRecord[], checks: LogRecord[], hasAdv: boolean, regressed: LogRecord[]): Section['blocks'] {
  const blocks: Section['blocks'] = [];
  const x = (r: LogRecord) => num(r.epochFraction);
  const movement: Series[] = [{ name: 'distance to init', points: checks.map((r) => [x(r), num(r.distanceToInit)]), markers: true }];
  if (hasAdv) movement.push({ name: 'clean-adv distance', points: checks.map((r) => [x(r), adv(r, 'distanceToClean')]), markers: true });
  const velocity: Series[] = [
    { name: 'velocity', points: checks.filter((r) => r.velocity !== null).map((r) => [x(r), num(r.velocity)]), markers: true },
  ];
  const both = (field: string, name: string): Series[] => [
    { name: `clean ${name}`, points: checks.map((r) => [x(r), num(r[field])]), markers: true },
    ...(hasAdv ? [{ name: `adv ${name}`, points: checks.map((r): [number, number] => [x(r), adv(r, field)]), markers: true }] : []),
  ];
  const events: EventMarker[] = runEvents(records, epochRecords(records)).map((e) => ({
    ...e,
    color: e.kind === 'lr-milestone' ? '#888' : '#d62728',
  }));
  blocks.push(
    {
      kind: 'plot',
      file: 'ntk_movement.svg',
      plot: { title: 'Kernel movement', xLabel: 'epoch', yLabel: 'kernel distance', series: movement, events },
    },
    {
      kind: 'plot',
      file: 'ntk_velocity.svg',
      plot: { title: 'Kernel velocity', xLabel: 'epoch', yLabel: 'distance per epoch', series: velocity, yScale: 'log', events },
    },
    {
      kind: 'plot',
      file: 'ntk_lambda_max.svg',
      plot: { title: 'Largest eigenvalue', xLabel: 'epoch', yLabel: 'λ_max', series: both('lambdaMax', 'λ_max'), yScale: 'log', events },
    },
    {
      kind: 'plot',
      file: 'ntk_condition.svg',
      plot: {
        title: 'Condition number',
        xLabel: 'epoch',
        yLabel: 'λ_max / λ_min',
        series: both('conditionNumber', 'condition'),
        yScale: 'log',
        events,
      },
    },
    {
      kind: 'plot',
      file: 'ntk_effective_rank.svg',
      plot: { title: 'Effective rank', xLabel: 'epoch', yLabel: 'exp(entropy)', series: both('effectiveRank', 'eff. rank'), events },
    },
  );
  if (regressed.length) {
    const series: Series[] = [
      ['kernel', 'clean'],
      ['kernel', 'adversarial'],
      ['linearized', 'clean'],
      ['linearized', 'adversarial'],
    ]
      .filter(([m, i]) => regressed.some((r) => Number.isFinite(regression(r, m, i))))
      .map(([m, i]) => ({ name: `${m} ${i}`, points: regressed.map((r): [number, number] => [x(r), regression(r, m, i)]), markers: true }));
    blocks.push({
      kind: 'plot',
      file: 'ntk_regression.svg',
      plot: {
        title: 'Kernel-regression accuracy of the probe kernel',
        xLabel: 'epoch',
        yLabel: 'held-out accuracy',
        series,
        yRange: [0, 1],
        events,
      },
    });
  }
  return blocks;
}

/** The polar dynamics and the distance heatmap between checks, when the log has them. */
function kernelFigures(records: LogRecord[]): Section['blocks'] {
  const blocks: Section['blocks'] = [];
  const polar = records.filter((r) => r.type === 'kernel-polar').at(-1);
  if (polar) {
    const title = 'Polar dynamics of the kernel';
    const trajectory = {
      name: 'trajectory',
      radius: polar.radius as number[],
      angle: polar.angle as number[],
      epochs: polar.epochFraction as number[],
      labelEpochs: true,
    };
    blocks.push({ kind: 'figure', file: 'ntk_polar.svg', title, svg: renderPolarPlot({ title, trajectories: [trajectory] }) });
  }
  const distances = kernelDistanceMatrix(records);
  if (distances) {
    const title = 'Kernel distance between checks';
    const labels = distances.epochs.map((e) => formatNumber(e));
    blocks.push({
      kind: 'figure',
      file: 'ntk_distances.svg',
      title,
      svg: renderHeatmap({ title, labels, matrix: distances.matrix, valueLabel: '1 − S(K_i, K_j)' }),
    });
  }
  return blocks;
}

/** The report section of the NTK checks: metrics over training, plots, and the polar dynamics. */
export const kernelSection: SectionBuilder = (records) => {
  const checks = records.filter((r) => r.type === 'kernel');
  if (checks.length === 0) return null;
  const hasAdv = checks.some((r) => r.adversarial);
  const regressed = checks.filter((r) => r.regression);
  const blocks: Section['blocks'] = [
    kernelIntro(checks[0], hasAdv, regressed),
    kernelTable(checks, hasAdv, regressed),
    ...kernelPlots(records, checks, hasAdv, regressed),
    ...kernelFigures(records),
  ];
  return { title: 'Neural tangent kernel', blocks };
};

/**
 * Kernel distances 1 − S(K_i, K_j) between every pair of checks whose kernel is in the log (the
 * tracker's `logKernels` option), with the epoch of each check; null when fewer than two are logged.
 */
export function kernelDistanceMatrix(records: LogRecord[]): { epochs: number[]; matrix: number[][] } | null {
  const checks = records.filter((r) => r.type === 'kernel' && Array.isArray(r.kernel));
  if (checks.length < 2) return null;
  const kernels = checks.map((r) => Float64Array.from(r.kernel as number[]));
  return {
    epochs: checks.map((r) => num(r.epochFraction)),
    matrix: kernels.map((a, i) => kernels.map((b, j) => (i === j ? 0 : kernelDistance(a, b)))),
  };
}

/** Every section of a run report: training sections with the NTK section before the configuration. */
export const RUN_SECTIONS: readonly SectionBuilder[] = [
  aboutSection,
  evaluationSection,
  epochSection,
  plotSection,
  kernelSection,
  configSection,
];
