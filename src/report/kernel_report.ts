// The NTK section of a run report, built ONLY from the run's `kernel` and `kernel-polar` log
// records (written by the KernelTracker): a table per check and plots of the kernel's movement,
// velocity, spectrum and polar trajectory, clean and adversarial side by side.

import {
  aboutSection, configSection, epochSection, evaluationSection, formatNumber, plotSection, type SectionBuilder,
} from './training_report.js';
import type { Section } from './document.js';
import type { LogRecord } from './runlog.js';
import type { Series } from './svg.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const adv = (r: LogRecord, key: string): number => num((r.adversarial as Record<string, unknown> | null)?.[key]);

export const kernelSection: SectionBuilder = (records) => {
  const checks = records.filter((r) => r.type === 'kernel');
  if (checks.length === 0) return null;
  const first = checks[0];
  const hasAdv = checks.some((r) => r.adversarial);
  const x = (r: LogRecord) => num(r.epochFraction);
  const blocks: Section['blocks'] = [
    {
      kind: 'text',
      text: `Empirical NTK (${String(first.kind)} kernel, mean over logits) on a fixed probe set of ${String(first.probes)} held-out images, ` +
        'BatchNorm in eval mode, checked densely in the first epoch and then per epoch. Distance to init is 1 − S(K_0, K_t); velocity is ' +
        'the kernel distance between consecutive checks per epoch; the spectrum comes from a float64 eigen-decomposition. ' +
        (hasAdv ? 'The adversarial-example kernel is the same kernel on the probe images after the attack, and "clean-adv distance" is 1 − S between the two.' : ''),
    },
    {
      kind: 'table',
      columns: ['epoch', 'step', 'distance to init', 'velocity', 'λ_max', 'effective rank', 'condition', 'top-10 energy', 'alignment',
        ...(hasAdv ? ['clean-adv distance', 'adv λ_max', 'adv eff. rank'] : []), 'seconds'],
      rows: checks.map((r) => [
        formatNumber(r.epochFraction), String(r.step), formatNumber(r.distanceToInit), formatNumber(r.velocity), formatNumber(r.lambdaMax),
        formatNumber(r.effectiveRank), formatNumber(r.conditionNumber), formatNumber(r.topEnergy10), formatNumber(r.targetAlignment),
        ...(hasAdv ? [formatNumber(adv(r, 'distanceToClean')), formatNumber(adv(r, 'lambdaMax')), formatNumber(adv(r, 'effectiveRank'))] : []),
        formatNumber(r.seconds),
      ]),
    },
  ];
  const movement: Series[] = [{ name: 'distance to init', points: checks.map((r) => [x(r), num(r.distanceToInit)]), markers: true }];
  if (hasAdv) movement.push({ name: 'clean-adv distance', points: checks.map((r) => [x(r), adv(r, 'distanceToClean')]), markers: true });
  const velocity: Series[] = [{ name: 'velocity', points: checks.filter((r) => r.velocity !== null).map((r) => [x(r), num(r.velocity)]), markers: true }];
  const lambda: Series[] = [{ name: 'clean λ_max', points: checks.map((r) => [x(r), num(r.lambdaMax)]), markers: true }];
  const rank: Series[] = [{ name: 'clean', points: checks.map((r) => [x(r), num(r.effectiveRank)]), markers: true }];
  if (hasAdv) {
    lambda.push({ name: 'adv λ_max', points: checks.map((r) => [x(r), adv(r, 'lambdaMax')]), markers: true });
    rank.push({ name: 'adv', points: checks.map((r) => [x(r), adv(r, 'effectiveRank')]), markers: true });
  }
  blocks.push(
    { kind: 'plot', file: 'ntk_movement.svg', plot: { title: 'Kernel movement', xLabel: 'epoch', yLabel: 'kernel distance', series: movement } },
    { kind: 'plot', file: 'ntk_velocity.svg', plot: { title: 'Kernel velocity', xLabel: 'epoch', yLabel: 'distance per epoch', series: velocity } },
    { kind: 'plot', file: 'ntk_lambda_max.svg', plot: { title: 'Largest eigenvalue', xLabel: 'epoch', yLabel: 'λ_max', series: lambda } },
    { kind: 'plot', file: 'ntk_effective_rank.svg', plot: { title: 'Effective rank', xLabel: 'epoch', yLabel: 'exp(entropy)', series: rank } },
  );
  const polar = records.filter((r) => r.type === 'kernel-polar').at(-1);
  if (polar) {
    const radius = polar.radius as number[];
    const angle = polar.angle as number[];
    blocks.push({
      kind: 'plot',
      file: 'ntk_polar.svg',
      plot: {
        title: 'Polar dynamics (radius ‖K_t − K_0‖/‖K_T − K_0‖, angle arccos S(K_t, K_0))',
        xLabel: 'radius · cos(angle)',
        yLabel: 'radius · sin(angle)',
        series: [{ name: 'trajectory', points: radius.map((r, i) => [r * Math.cos(angle[i]), r * Math.sin(angle[i])]), markers: true }],
      },
    });
  }
  return { title: 'Neural tangent kernel', blocks };
};

/** Every section of a run report: training sections with the NTK section before the configuration. */
export const RUN_SECTIONS: readonly SectionBuilder[] = [aboutSection, evaluationSection, epochSection, plotSection, kernelSection, configSection];
