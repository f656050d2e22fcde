// The ONE table of evaluation threats: each attack family has its text syntax, a parser to a
// Threat value, a canonical name, its parameters for the evaluation record and a runner with one
// signature for l-inf and l2 (threat, context) -> x_adv; plus named presets (lists of threats; a
// cascading one runs each threat only on the samples every earlier one failed to break) and
// AutoAttack's aliases. `parseThreats('clean,pgd20,autoattack-lite')` expands presets and aliases.

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { apgd } from './apgd.js';
import { fab } from './fab.js';
import type { Norm } from '../ops/attack_step.js';
import { ATTACK_LOSSES, type AttackLoss } from './losses.js';
import { DEFAULT_APGD, DEFAULT_FAB, DEFAULT_SQUARE, type AttackBnMode } from './options.js';
import { pgd } from './pgd.js';
import { square } from './square.js';
import type { AttackRandom } from './streams.js';

/** An evaluation threat. Defaults: restarts 1, loss `ce`, targets 0 (untargeted). */
export type Threat =
  | { kind: 'clean' }
  | { kind: 'fgsm'; loss?: AttackLoss }
  | { kind: 'pgd' | 'apgd'; steps: number; restarts?: number; loss?: AttackLoss; targets?: number }
  | { kind: 'fab'; steps: number; targets: number }
  | { kind: 'square'; queries: number };

/** Everything a threat runs with besides its own parameters. */
export interface ThreatContext {
  model: Model;
  x: Tensor;
  y: Tensor;
  /** Per-sample streams (attacks/streams.ts) in the evaluation: each sample's attack is then independent of its batch. */
  rng: AttackRandom;
  /** Targeted threats: 0 or absent runs every target; r only the r-th (a cascade's per-target early stop). */
  rank?: number;
  /** Long attacks (FAB-T, Square) report the fraction of their work done on this batch (progress bars). */
  onProgress?: (fraction: number) => void;
  /** Radius in pixel units of inputs in [0, 1], in the `norm` ball. */
  eps: number;
  norm: Norm;
  bnMode: AttackBnMode;
  /** PGD step size as a fraction of eps (APGD sets its own steps). */
  pgdStepFactor: number;
}

/** One threat kind of the registry: its syntax in threat lists, a description, how its name parses, and how it attacks. */
export interface AttackEntry {
  syntax: string;
  description: string;
  pattern: RegExp;
  /** The threat a name matched by `pattern` stands for. */
  parse(match: RegExpExecArray): Threat;
  /** The parameters the evaluation record names (besides the threat model), with the published defaults filled in. */
  parameters(threat: Threat): Record<string, number | string>;
  /** Adversarial examples (the clean threat returns ctx.x itself: do not dispose it). */
  run(threat: Threat, ctx: ThreatContext): Tensor | Promise<Tensor>;
}

const LOSS = `(?:-(${ATTACK_LOSSES.join('|')}))?`;
const ITERATIVE = `(\\d+)(?:x(\\d+))?${LOSS}(?:-t(\\d+))?$`;

function iterative(kind: 'pgd' | 'apgd', m: RegExpExecArray): Threat {
  return {
    kind,
    steps: Number(m[1]),
    restarts: m[2] === undefined ? 1 : Number(m[2]),
    loss: (m[3] ?? 'ce') as AttackLoss,
    targets: m[4] === undefined ? 0 : Number(m[4]),
  };
}

function attackOptions(t: Threat, ctx: ThreatContext) {
  const o = t as { restarts?: number; loss?: AttackLoss; targets?: number };
  return {
    eps: ctx.eps,
    norm: ctx.norm,
    bnMode: ctx.bnMode,
    restarts: o.restarts ?? 1,
    loss: o.loss ?? 'ce',
    targets: o.targets ?? 0,
    rank: ctx.rank ?? 0,
  };
}

function iterativeParameters(t: Threat): Record<string, number | string> {
  const o = t as { steps: number; restarts?: number; loss?: AttackLoss; targets?: number };
  return { steps: o.steps, restarts: o.restarts ?? 1, loss: o.loss ?? 'ce', targets: o.targets ?? 0 };
}

/** The threat kinds the evaluation (and `--threats`) can name, one entry each. */
export const ATTACKS: Record<Threat['kind'], AttackEntry> = {
  clean: {
    syntax: 'clean',
    description: 'the unperturbed inputs',
    pattern: /^clean$/,
    parse: () => ({ kind: 'clean' }),
    parameters: () => ({}),
    run: (_t, ctx) => ctx.x,
  },
  fgsm: {
    syntax: 'fgsm[-<loss>]',
    description: 'one step of size eps from x (FGSM; a normalised step for l2)',
    pattern: new RegExp(`^fgsm${LOSS}$`),
    parse: (m) => ({ kind: 'fgsm', loss: (m[1] ?? 'ce') as AttackLoss }),
    parameters: (t) => ({ loss: (t as { loss?: AttackLoss }).loss ?? 'ce' }),
    run: (t, ctx) => pgd(ctx.model, ctx.x, ctx.y, ctx.rng, { ...attackOptions(t, ctx), steps: 1, stepSize: ctx.eps, start: 'zero' }),
  },
  pgd: {
    syntax: 'pgd<steps>[x<restarts>][-<loss>][-t<targets>]',
    description: 'PGD, random start, step pgd-step-factor·eps; -t<m>: targeted at each of the m most likely other classes',
    pattern: new RegExp(`^pgd${ITERATIVE}`),
    parse: (m) => iterative('pgd', m),
    parameters: iterativeParameters,
    run: (t, ctx) =>
      pgd(ctx.model, ctx.x, ctx.y, ctx.rng, {
        ...attackOptions(t, ctx),
        steps: (t as { steps: number }).steps,
        stepSize: ctx.pgdStepFactor * ctx.eps,
      }),
  },
  apgd: {
    syntax: 'apgd<steps>[x<restarts>][-<loss>][-t<targets>]',
    description: `APGD (Croce & Hein 2020): step-size halving at checkpoints, momentum, restarts from the best point (rho ${DEFAULT_APGD.rho})`,
    pattern: new RegExp(`^apgd${ITERATIVE}`),
    parse: (m) => iterative('apgd', m),
    parameters: (t) => ({ ...iterativeParameters(t), rho: DEFAULT_APGD.rho, momentum: 0.75, initialStep: '2·eps' }),
    run: (t, ctx) => apgd(ctx.model, ctx.x, ctx.y, ctx.rng, { ...attackOptions(t, ctx), steps: (t as { steps: number }).steps }),
  },
  fab: {
    syntax: 'fab<steps>-t<targets>',
    description: `FAB-T (Croce & Hein 2020): minimal-perturbation targeted attack at each of the m most likely other classes, from x (alpha_max ${DEFAULT_FAB.alphaMax}, eta ${DEFAULT_FAB.eta}, beta ${DEFAULT_FAB.beta}); a sample is broken if its smallest example is within eps`,
    pattern: /^fab(\d+)-t(\d+)$/,
    parse: (m) => ({ kind: 'fab', steps: Number(m[1]), targets: Number(m[2]) }),
    parameters: (t) => {
      const f = t as { steps: number; targets: number };
      return {
        steps: f.steps,
        targets: f.targets,
        restarts: 1,
        alphaMax: DEFAULT_FAB.alphaMax,
        eta: DEFAULT_FAB.eta,
        beta: DEFAULT_FAB.beta,
      };
    },
    run: (t, ctx) => {
      const f = t as { steps: number; targets: number };
      return fab(
        ctx.model,
        ctx.x,
        ctx.y,
        { eps: ctx.eps, norm: ctx.norm, bnMode: ctx.bnMode, steps: f.steps, targets: f.targets, rank: ctx.rank ?? 0 },
        ctx.onProgress,
      );
    },
  },
  square: {
    syntax: 'square<queries>',
    description: `Square Attack (Andriushchenko et al. 2020): score-based, margin loss, p_init ${DEFAULT_SQUARE.pInit} on the published schedule, one restart; image inputs [c, h, w]`,
    pattern: /^square(\d+)$/,
    parse: (m) => ({ kind: 'square', queries: Number(m[1]) }),
    parameters: (t) => ({ queries: (t as { queries: number }).queries, pInit: DEFAULT_SQUARE.pInit, loss: 'margin', restarts: 1 }),
    run: (t, ctx) =>
      square(
        ctx.model,
        ctx.x,
        ctx.y,
        ctx.rng,
        { eps: ctx.eps, norm: ctx.norm, bnMode: ctx.bnMode, queries: (t as { queries: number }).queries },
        ctx.onProgress,
      ),
  },
};

/**
 * The threat kinds that attack a kernel's probe inputs (the NTK tracker, `ntk-at ntk --inputs`):
 * FGSM, one step of eps from x; PGD, `steps` steps of pgdStepFactor·eps from a random start.
 */
export const PROBE_ATTACKS = ['pgd', 'fgsm'] as const satisfies readonly Threat['kind'][];
/** One of PROBE_ATTACKS. */
export type ProbeAttack = (typeof PROBE_ATTACKS)[number];

/** The threat of a probe attack (`steps`: PGD's; FGSM takes one). */
export function probeThreat(attack: ProbeAttack, steps: number): Threat {
  return attack === 'pgd' ? { kind: 'pgd', steps } : { kind: 'fgsm' };
}

/** AutoAttack's names for its attacks (APGD 100 iterations; APGD-T and FAB-T at the 9 most likely other classes; Square 5,000 queries). */
export const THREAT_ALIASES: Record<string, string> = {
  'apgd-ce': 'apgd100-ce',
  'apgd-dlr': 'apgd100-dlr',
  'apgd-t': 'apgd100-dlr-t9',
  'fab-t': `fab${DEFAULT_FAB.steps}-t${DEFAULT_FAB.targets}`,
  square: `square${DEFAULT_SQUARE.queries}`,
};

/** A named threat list; `cascade` (the version it reports) runs each threat only on the samples still robust. */
export interface ThreatPreset {
  threats: string;
  description: string;
  cascade?: string;
}

/** Named threat lists. `autoattack` is the strongest and the one to report; `-lite` is its cheap form. */
export const THREAT_PRESETS: Record<string, ThreatPreset> = {
  'autoattack-lite': {
    threats: 'clean,apgd25-ce,apgd25-dlr-t3',
    description:
      'APGD-CE and APGD-T (DLR, the 3 most likely other classes), 25 iterations each, every sample under each: about 5x the cost of PGD-20',
  },
  autoattack: {
    threats: 'clean,apgd100-ce,apgd100-dlr-t9,fab100-t9,square5000',
    cascade: 'standard',
    description:
      'AutoAttack, standard version (Croce & Hein 2020): APGD-CE, APGD-T (DLR, 9 targets), FAB-T (9 targets), Square (5,000 queries), ' +
      'each run only on the samples all before it failed to break; the robust accuracy after each is reported: the figure to report',
  },
};

/** The cascade version of a --threats text that is exactly a cascading preset, else null (every threat on every sample). */
export function threatsCascade(text: string, option = 'threats'): string | null {
  const items = text.split(',').map((s) => s.trim());
  const cascading = items.filter((s) => THREAT_PRESETS[s]?.cascade);
  if (cascading.length === 0) return null;
  if (items.length > 1) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `--${option}: the preset ${cascading[0]} runs its attacks in a cascade over the samples still robust and cannot be combined with other threats ` +
        `("${text}"); evaluate it alone, and other threats in a second run.`,
      { option },
    );
  }
  return THREAT_PRESETS[cascading[0]].cascade as string;
}

/** The accuracy key of the per-sample worst case: correct clean AND under every threat of the set. */
export const WORST_CASE = 'worst-case';

/**
 * Canonical name: `clean`, `fgsm`, `pgd20`, `pgd50x3`, `pgd20-cw`, `apgd100-ce`, `apgd100-dlr-t9`, `fab100-t9`, `square5000`
 * (the CE loss is implicit for FGSM and PGD, as in the project's earlier logs; APGD names it, as AutoAttack).
 */
export function threatName(t: Threat): string {
  if (t.kind === 'clean') return 'clean';
  if (t.kind === 'fab') return `fab${t.steps}-t${t.targets}`;
  if (t.kind === 'square') return `square${t.queries}`;
  const loss = (t.loss ?? 'ce') !== 'ce' || t.kind === 'apgd' ? `-${t.loss ?? 'ce'}` : '';
  if (t.kind === 'fgsm') return `fgsm${loss}`;
  const restarts = (t.restarts ?? 1) > 1 ? `x${t.restarts}` : '';
  const targets = (t.targets ?? 0) > 0 ? `-t${t.targets}` : '';
  return `${t.kind}${t.steps}${restarts}${loss}${targets}`;
}

/** One threat from its text (name or alias); E_INVALID_ARGUMENT naming `option` otherwise. */
export function parseThreat(text: string, option = 'threats'): Threat {
  const name = THREAT_ALIASES[text] ?? text;
  for (const entry of Object.values(ATTACKS)) {
    const m = entry.pattern.exec(name);
    const t = m ? entry.parse(m) : null;
    if (t && validThreat(t)) return t;
  }
  throw new NtkError(
    'E_INVALID_ARGUMENT',
    `--${option}: "${text}" is not a threat; use ${Object.values(ATTACKS)
      .map((e) => e.syntax)
      .join(', ')} ` +
      `(loss ${ATTACK_LOSSES.join('|')}; steps, restarts and queries >= 1; targets need cw or dlr), an alias (${Object.keys(THREAT_ALIASES).join(', ')}) ` +
      `or a preset (${Object.keys(THREAT_PRESETS).join(', ')}), e.g. clean,fgsm,pgd20,pgd20-cw,autoattack-lite.`,
    { option },
  );
}

/** A comma list of threats, aliases and presets, expanded in order without duplicates. */
export function parseThreats(text: string, option = 'threats'): Threat[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .flatMap((s) => (THREAT_PRESETS[s] ? THREAT_PRESETS[s].threats.split(',') : [s]));
  const threats = items.map((s) => parseThreat(s, option));
  return threats.filter((t, i) => threats.findIndex((u) => threatName(u) === threatName(t)) === i);
}

function validThreat(t: Threat): boolean {
  if (t.kind === 'fab') return t.steps >= 1 && t.targets >= 1;
  if (t.kind === 'square') return t.queries >= 1;
  if (t.kind !== 'pgd' && t.kind !== 'apgd') return true;
  return t.steps >= 1 && (t.restarts ?? 1) >= 1 && !((t.targets ?? 0) > 0 && (t.loss ?? 'ce') === 'ce');
}

/** The registry entry of `threat`; E_INVALID_ARGUMENT for an unknown kind. */
export function threatEntry(threat: Threat): AttackEntry {
  const entry = ATTACKS[threat.kind];
  if (!entry)
    throw new NtkError('E_INVALID_ARGUMENT', `unknown threat ${JSON.stringify(threat)}; use ${Object.keys(ATTACKS).join(', ')}.`, {
      option: 'threats',
    });
  return entry;
}

/** Runs `threat` on ctx.x (see AttackEntry.run). */
export async function runThreat(threat: Threat, ctx: ThreatContext): Promise<Tensor> {
  return threatEntry(threat).run(threat, ctx);
}
