// co-spectrum (the study's third finding): single-step AT (FGSM, FGSM-RS, N-FGSM, the anisotropic
// start in each scale mode, and the anisotropic start switched on by the spectrum monitor) and
// PGD-AT at a radius where FGSM catastrophically overfits; per check the adversarial kernel's
// spectrum beside PGD accuracy; per method the CO epoch and how the monitor's firings relate to it.

import type { Section } from '../report/document.js';
import { fixed, pct, sig, type Experiment } from './experiment.js';
import { field } from './fields.js';
import { dataArgs, modelArgs } from './scales.js';

/** The radius of the small setting, chosen where FGSM-AT overfits catastrophically but PGD-AT learns (docs/results/README.md). */
export const CO_EPS = '0.2';

export const coSpectrum: Experiment = {
  summary: 'Finding 3 (our design of the test): catastrophic overfitting (CO) of single-step AT, the spectrum of the adversarial-example kernel ' +
    'beside it, and the anisotropic start as a fix. Every single-step run also runs the spectrum monitor (a jump of log λ_max of the PGD probe ' +
    `kernel beyond 3 standard deviations of its last 4 checks); "aniso-monitor" trains plain FGSM until the monitor fires, then the anisotropic start. Radius ${CO_EPS} (small scale).`,
  base: (scale) => [
    ...dataArgs(scale, { train: 1000, val: 100, test: 100 }), ...modelArgs(scale, 'mlp'),
    ...(scale === 'paper'
      ? ['--epochs', '30', '--eps', '16/255', '--lr', '0.2', '--schedule', 'cyclic', '--pgd-steps', '10', '--probe-per-class', '10']
      : ['--epochs', '5', '--eps', CO_EPS, '--lr', '0.1', '--schedule', 'cyclic', '--pgd-steps', '5', '--pgd-step-factor', '0.5', '--probe-per-class', '2', '--ntk-attack-steps', '5', '--val-pgd-steps', '5']),
    '--ntk', 'on', '--ntk-attack', 'pgd',
  ],
  // Per-channel scale is one number per image on one-channel Fashion-MNIST (no anisotropy within the image): only at paper scale.
  variants: (grid) => [
    { name: 'fgsm', description: 'FGSM-AT (zero start, step eps)', args: ['--method', 'fgsm', '--co-monitor', 'watch'] },
    { name: 'fgsm-rs', description: 'FGSM-RS (uniform start, step 1.25 eps)', args: ['--method', 'fgsm-rs', '--co-monitor', 'watch'] },
    { name: 'n-fgsm', description: 'N-FGSM (noise 2 eps, step eps, no projection)', args: ['--method', 'n-fgsm', '--co-monitor', 'watch'] },
    { name: 'aniso-uniform', description: 'anisotropic start, i.i.d. uniform scale', args: ['--method', 'fgsm-aniso', '--anisotropy', 'uniform', '--co-monitor', 'watch'] },
    ...(grid.scale === 'paper' ? [{ name: 'aniso-channel', description: 'anisotropic start, per-channel scale', args: ['--method', 'fgsm-aniso', '--anisotropy', 'channel', '--co-monitor', 'watch'] }] : []),
    { name: 'aniso-gradient', description: 'anisotropic start, scale from a running |grad_x L| average', args: ['--method', 'fgsm-aniso', '--anisotropy', 'gradient', '--co-monitor', 'watch'] },
    { name: 'aniso-monitor', description: 'FGSM until the spectrum monitor fires, then the gradient-scaled anisotropic start', args: ['--method', 'fgsm-aniso', '--anisotropy', 'gradient', '--co-monitor', 'aniso'] },
    { name: 'pgd', description: 'PGD-AT (reference)', args: ['--method', 'pgd'] },
  ],
  analyse(collect, grid) {
    const variants = coSpectrum.variants(grid);
    const names = variants.map((v) => v.name);
    const count = (v: string, source: string) => collect.of(v).filter((r) => Number.isFinite(collect.one(r, source).value)).length;
    const nonCollapsedFired = (v: string) => {
      const rs = collect.of(v).filter((r) => !Number.isFinite(collect.one(r, 'derived:coEpoch').value));
      return `${rs.filter((r) => Number.isFinite(collect.one(r, 'event{event=co-monitor}[0].step').value)).length} of ${rs.length}`;
    };
    const table: Section = {
      title: 'Per method',
      blocks: [
        {
          kind: 'text', text: 'CO epoch: the first epoch whose validation check flagged catastrophic overfitting (PGD accuracy below half its best so far while ' +
            'training accuracy is 30 points higher). Monitor lead: steps from the monitor\'s first firing to the end of the first CO-flagged epoch (positive: it fired before). ' +
            '"Fired without CO": runs that never collapsed in which the monitor fired anyway (false alarms).',
        },
        {
          kind: 'table',
          columns: ['variant', 'clean', 'PGD-20', 'FGSM', 'runs with CO', 'CO epoch', 'monitor first fired (epoch)', 'monitor lead (steps)', 'fired without CO', 'passes (M)', 'training s'],
          rows: names.map((v) => [
            v, collect.cell(v, 'eval[0].accuracy.clean', pct), collect.cell(v, 'eval[0].accuracy.pgd20', pct), collect.cell(v, 'eval[0].accuracy.fgsm', pct),
            `${count(v, 'derived:coEpoch')} of ${collect.of(v).length}`, collect.cell(v, 'derived:coEpoch', fixed(0)),
            collect.cell(v, 'event{event=co-monitor}[0].epochFraction', fixed(2)), collect.cell(v, 'derived:monitorLead', fixed(0)),
            v === 'pgd' ? '-' : nonCollapsedFired(v), collect.cell(v, 'derived:passes', (x) => (x / 1e6).toFixed(3)), collect.cell(v, 'derived:trainingSeconds', sig),
          ]),
        },
        { kind: 'table', columns: ['variant', 'what'], rows: variants.map((v) => [v.name, v.description]) },
      ],
    };
    const perCheck: Section = {
      title: 'Per check (seed 0): adversarial kernel spectrum and PGD accuracy',
      blocks: names.map((v) => {
        const r = collect.of(v)[0];
        const epochs = r?.records.filter((x) => x.type === 'epoch') ?? [];
        const checks = r?.records.filter((x) => x.type === 'kernel') ?? [];
        return {
          kind: 'table' as const,
          columns: [`${v}: epoch`, 'adv λ_max', 'adv effective rank', 'adv top-10 energy', 'validation PGD (epoch end)'],
          rows: checks.map((k, i) => {
            const e = epochs.find((x) => field.epochEnd(x) === field.epochFraction(k));
            return [
              fixed(2)(field.epochFraction(k)), sig(collect.one(r, `kernel[${i}].adversarial.lambdaMax`).value),
              fixed(1)(collect.one(r, `kernel[${i}].adversarial.effectiveRank`).value), fixed(3)(collect.one(r, `kernel[${i}].adversarial.topEnergy10`).value),
              e ? pct(collect.one(r, `epoch[${epochs.indexOf(e)}].validation.accuracy.pgd10`).value) : '',
            ];
          }),
        };
      }),
    };
    return [table, perCheck];
  },
};
