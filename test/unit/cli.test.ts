// CLI option parsing of train / evaluate / report: value syntaxes (fractions, lists, threats), and
// bad input reaching runCli as a typed error with exit code 2 (bad usage) or 1 (a file problem),
// before any data is read or any GPU work starts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFraction, parseIntegerList, parseOptions } from '../../src/cli/args.js';
import { THREAT_PRESETS, threatName, threatsCascade } from '../../src/attacks/registry.js';
import { parseThreats } from '../../src/cli/commands/evaluate.js';
import { scheduleSpec } from '../../src/run/orchestrator.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('option values', () => {
  it('parses eps as a decimal or a fraction and rejects the rest', () => {
    expect(parseFraction('0.1', 'eps')).toBe(0.1);
    expect(parseFraction('8/255', 'eps')).toBe(8 / 255);
    expect(parseFraction(' 16 / 255 ', 'eps')).toBe(16 / 255);
    for (const bad of ['abc', '8/0', '8/255x', '', '1/2/3'])
      expect(() => parseFraction(bad, 'eps'), bad).toThrow(/E_INVALID_ARGUMENT.*--eps/);
    // its range (radius bound for the norm and the run's image size) is the recipe's rule: recipe.test.ts
  });

  it('parses widths and threat lists', () => {
    expect(parseIntegerList('256,128', 'hidden')).toEqual([256, 128]);
    for (const bad of ['', '256,', '0', '2.5', 'a']) expect(() => parseIntegerList(bad, 'hidden'), bad).toThrow(/--hidden/);
    expect(parseThreats('clean,fgsm,pgd20,pgd50x3')).toEqual([
      { kind: 'clean' },
      { kind: 'fgsm', loss: 'ce' },
      { kind: 'pgd', steps: 20, restarts: 1, loss: 'ce', targets: 0 },
      { kind: 'pgd', steps: 50, restarts: 3, loss: 'ce', targets: 0 },
    ]);
    expect(parseThreats('pgd20-cw,apgd100x2-dlr-t3,fgsm-dlr')).toEqual([
      { kind: 'pgd', steps: 20, restarts: 1, loss: 'cw', targets: 0 },
      { kind: 'apgd', steps: 100, restarts: 2, loss: 'dlr', targets: 3 },
      { kind: 'fgsm', loss: 'dlr' },
    ]);
    for (const bad of ['pgd', 'pgd0', 'pgd10x0', 'cw', 'clean,', 'apgd', 'apgd10-t3', 'pgd10-hinge', 'apgd10x0-dlr']) {
      expect(() => parseThreats(bad), bad).toThrow(/E_INVALID_ARGUMENT.*--threats/);
    }
  });

  it('expands threat presets and AutoAttack aliases in place, without duplicates, and names threats canonically', () => {
    expect(parseThreats('autoattack-lite').map(threatName)).toEqual(THREAT_PRESETS['autoattack-lite'].threats.split(','));
    expect(parseThreats('clean,pgd20,autoattack').map(threatName)).toEqual([
      'clean',
      'pgd20',
      'apgd100-ce',
      'apgd100-dlr-t9',
      'fab100-t9',
      'square5000',
    ]);
    expect(parseThreats('apgd-ce,apgd-t,apgd-dlr,fab-t,square').map(threatName)).toEqual([
      'apgd100-ce',
      'apgd100-dlr-t9',
      'apgd100-dlr',
      'fab100-t9',
      'square5000',
    ]);
    for (const bad of ['fab100', 'fab0-t9', 'fab100-t0', 'square0', 'square-5'])
      expect(() => parseThreats(bad), bad).toThrow(/E_INVALID_ARGUMENT.*--threats/);
    for (const name of ['fgsm-cw', 'pgd50x3', 'pgd20-dlr-t2', 'apgd7x2-cw']) expect(threatName(parseThreats(name)[0])).toBe(name);
    expect(parseThreats('pgd20-ce,apgd10').map(threatName)).toEqual(['pgd20', 'apgd10-ce']);
  });

  it('the autoattack preset is a cascade (version standard) that runs alone; other threat lists are not cascades', () => {
    expect(threatsCascade('autoattack')).toBe('standard');
    expect(threatsCascade('clean,pgd20,autoattack-lite')).toBeNull();
    expect(() => threatsCascade('autoattack,pgd20')).toThrow(/E_INVALID_ARGUMENT.*cascade/);
  });

  it('takes one declared positional argument and rejects a second', () => {
    const specs = { out: { type: 'string' as const, description: '' } };
    expect(parseOptions(['runs/a', '--out', 'x'], specs, 'report', 'run')).toEqual({ out: 'x', run: 'runs/a' });
    expect(() => parseOptions(['runs/a', 'runs/b'], specs, 'report', 'run')).toThrow(/unexpected argument "runs\/b"/);
    expect(() => parseOptions(['runs/a'], specs, 'report')).toThrow(/unexpected argument/);
  });

  it('makes the learning-rate schedules over the run', () => {
    expect(scheduleSpec('piecewise', 0.1, 8)).toEqual({ kind: 'piecewise', lr: 0.1, milestones: [4, 6], gamma: 0.1 });
    expect(scheduleSpec('cyclic', 0.2, 10)).toEqual({ kind: 'cyclic', maxLr: 0.2, epochs: 10, peakEpoch: 4 });
    expect(scheduleSpec('constant', 0.05, 3)).toEqual({ kind: 'constant', lr: 0.05 });
  });
});

describe('typed errors and exit codes', () => {
  it('bad options of train are E_INVALID_ARGUMENT with exit code 2, naming the option', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--eps', '2'], /E_INVALID_ARGUMENT.*"training\.attack\.eps" must be in \[0, 1\].*\(flag --eps\)/],
      [['--eps', '8/255x'], /--eps must be a number or a fraction/],
      [['--model', 'resnet'], /--model is "resnet"; use one of mlp, cnn, preact-resnet/],
      [['--method', 'trades'], /--method is "trades"; use one of standard, pgd, fgsm, fgsm-rs, n-fgsm, fgsm-aniso/],
      [['--dataset', 'cifar'], /--dataset is "cifar"/],
      [['--schedule', 'cosine'], /--schedule is "cosine"/],
      [['--epochs', '1.5'], /"training\.epochs" must be an integer >= 1.*\(flag --epochs\)/],
      [['--threats', 'pgd'], /evaluation\.threats\[0\]: "pgd" is not a threat/],
      [['--lr', '0'], /"training\.lr" must be a number > 0/],
      [['--bogus', '1'], /unknown option --bogus/],
      [['--ntk', 'maybe'], /--ntk is "maybe"/],
      [['--ntk-attack', 'cw'], /--ntk-attack is "cw"/],
      [
        ['--dataset', 'synthetic-clusters', '--train-size', '15'],
        /data\.trainSize must be an integer >= 1 and a multiple of the class count \(10\)/,
      ],
      [['--model', 'mlp', '--bn-variance', 'biased'], /model\.bn sets BatchNorm options of an mlp without BatchNorm.*--batch-norm on/],
      [['--model', 'preact-resnet', '--batch-norm', 'on'], /unknown recipe field "model\.batchNorm"/],
      [['--model', 'cnn', '--bn-average', 'cumulative', '--bn-debias', 'on'], /debias applies to the EMA only/],
      [['--dataset', 'cifar10'], /data\.dir is required for cifar10/],
      [['--method', 'fgsm', '--norm', 'l2'], /"training\.attack\.norm" must be a norm that fgsm supports \(linf\)/],
      [['--switch', 'kernel'], /"switch\.rule" is "kernel".*ntk\.enabled/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('train', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
    }
  });

  it('evaluate needs --checkpoint (exit 2); a missing or foreign file is E_IO / E_CHECKPOINT_CORRUPT (exit 1)', async () => {
    const none = await cli('evaluate');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/E_INVALID_ARGUMENT.*--checkpoint <file> is required/);
    const missing = await cli('evaluate', '--checkpoint', join(dir, 'nope.safetensors'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/E_IO.*cannot read checkpoint .*nope\.safetensors/);
    writeFileSync(join(dir, 'junk.safetensors'), 'not a checkpoint');
    const junk = await cli('evaluate', '--checkpoint', join(dir, 'junk.safetensors'));
    expect(junk.code).toBe(1);
    expect(junk.err).toMatch(/E_CHECKPOINT_CORRUPT/);
    expect((await cli('evaluate', '--checkpoint', 'x', '--threats', 'fgsm,pgd2x0')).code).toBe(2);
  });

  it('report needs a run directory with a log (exit 2 / exit 1); unknown commands exit 2', async () => {
    expect((await cli('report')).code).toBe(2);
    const r = await cli('report', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/E_IO.*log\.jsonl.*run directory/);
    expect((await cli('fly')).code).toBe(2);
    const help = await cli('train', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--train-size');
  });
});
