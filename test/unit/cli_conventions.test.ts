// The CLI's conventions: -h/--help everywhere and `help <command>`, --version, "did you mean" for
// unknown options and commands, usage errors on stderr with exit code 2 (results and help on stdout,
// exit 0), boolean options (--ntk / --no-ntk), help grouped by topic with aligned columns, fractions
// printed as written, and the progress callback for counted loops.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { closestName, formatFraction, formatOptions, parseOptions, type OptionSpec } from '../../src/cli/args.js';
import { progressCallback } from '../../src/cli/progress.js';
import { VERSION } from '../../src/version.js';
import { cli } from './cli_io.js';

const specs: Record<string, OptionSpec> = {
  epochs: { type: 'number', description: 'epochs', default: 5, group: 'training' },
  ntk: { type: 'boolean', description: 'track the NTK', default: false, group: 'NTK tracking' },
  json: { type: 'flag', description: 'print JSON' },
  'probe-per-class': { type: 'number', description: 'probes per class', default: 10, group: 'NTK tracking' },
};

describe('option parsing', () => {
  it('boolean options: --x, --no-x, --x=off, --x on; other words are usage errors', () => {
    expect(parseOptions([], specs, 't').ntk).toBe(false);
    expect(parseOptions(['--ntk'], specs, 't').ntk).toBe(true);
    expect(parseOptions(['--ntk', '--no-ntk'], specs, 't').ntk).toBe(false);
    expect(parseOptions(['--ntk=off'], specs, 't').ntk).toBe(false);
    expect(parseOptions(['--ntk', 'on', '--epochs', '2'], specs, 't')).toMatchObject({ ntk: true, epochs: 2 });
    expect(() => parseOptions(['--ntk=maybe'], specs, 't')).toThrow(/E_INVALID_ARGUMENT.*--ntk is "maybe"; write --ntk or --no-ntk/);
    expect(() => parseOptions(['--ntk', 'maybe'], specs, 't')).toThrow(/--ntk is "maybe"/);
    expect(parseOptions(['--ntk', 'runs/a'], specs, 't', 'run')).toMatchObject({ ntk: true, run: 'runs/a' });
    expect(() => parseOptions(['--no-ntk=on'], specs, 't')).toThrow(/--no-ntk takes no value/);
    expect(() => parseOptions(['--json=1'], specs, 't')).toThrow(/--json takes no value/);
    expect(() => parseOptions(['--no-json'], specs, 't')).toThrow(/unknown option --no-json/);
    expect(() => parseOptions(['--epochs', ''], specs, 't')).toThrow(/--epochs must be a number/);
  });

  it('unknown options name the closest known one instead of listing them all', () => {
    expect(() => parseOptions(['--epoch', '3'], specs, 'train')).toThrow(/unknown option --epoch; did you mean --epochs\?/);
    expect(() => parseOptions(['--no-nkt'], specs, 'train')).toThrow(/did you mean --no-ntk\?/);
    expect(() => parseOptions(['--probes-per-class', '3'], specs, 'train')).toThrow(/did you mean --probe-per-class\?/);
    expect(() => parseOptions(['--zzzzzz'], specs, 'train')).toThrow(/unknown option --zzzzzz\. \(ntk-at train --help lists the options\)/);
    expect(closestName('trian', ['info', 'train', 'evaluate'])).toBe('train');
    expect(closestName('eval', ['info', 'train', 'evaluate'])).toBe('evaluate');
    expect(closestName('xyz', ['info', 'train'])).toBeNull();
  });

  it('help lists options by topic (ungrouped first) with aligned columns and defaults', () => {
    const text = formatOptions(specs);
    expect(text.split('\n\n').map((block) => block.split('\n')[0])).toEqual(['options:', 'training:', 'NTK tracking:']);
    const starts = Object.values(specs).map((s) =>
      text
        .split('\n')
        .find((l) => l.endsWith(s.description) || l.includes(`${s.description} (`))!
        .lastIndexOf(s.description),
    );
    expect(new Set(starts).size).toBe(1);
    expect(text).toContain('--[no-]ntk');
    expect(text).toContain('(default: off)');
    expect(text).toContain('--epochs <number>');
  });

  it('prints fractions as written, with the decimal', () => {
    expect(formatFraction('8/255')).toBe('8/255 (0.0314)');
    expect(formatFraction(' 16 / 255 ')).toBe('16/255 (0.0627)');
    expect(formatFraction('0.1')).toBe('0.1');
  });
});

describe('runCli conventions (exit codes, stdout vs stderr)', () => {
  it('no command: usage on stderr, exit 2; -h, --help and `help`: usage on stdout, exit 0', async () => {
    const none = await cli();
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toMatch(/usage: ntk-at <command>/);
    for (const args of [['-h'], ['--help'], ['help']]) {
      const r = await cli(...args);
      expect([r.code, r.err], args.join(' ')).toEqual([0, '']);
      expect(r.out).toMatch(/commands:\n {2}info/);
    }
  });

  it('--version prints the package version on stdout', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    expect(await cli('--version')).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it('help <command>, <command> --help and <command> -h print the same grouped help with examples', async () => {
    const a = await cli('help', 'train');
    const b = await cli('train', '--help');
    const c = await cli('train', '--epochs', '3', '-h');
    expect(a.code + b.code + c.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(c.out).toBe(a.out);
    expect(a.out).toMatch(/^usage: ntk-at train \[options\]/);
    expect(a.out).toContain('--help');
    for (const name of ['info', 'check', 'train', 'evaluate', 'report']) {
      const r = await cli(name, '-h');
      expect([r.code, r.err], name).toEqual([0, '']);
    }
  });

  it('unknown commands and options are usage errors on stderr (exit 2) with a suggestion; nothing on stdout', async () => {
    const command = await cli('trian');
    expect([command.code, command.out]).toEqual([2, '']);
    expect(command.err).toMatch(/unknown command "trian"; did you mean "train"\?/);
    const help = await cli('help', 'evaluat');
    expect([help.code, help.out]).toEqual([2, '']);
    expect(help.err).toMatch(/did you mean "evaluate"\?/);
    const option = await cli('train', '--epoch', '2');
    expect([option.code, option.out]).toEqual([2, '']);
    expect(option.err).toMatch(/^ntk-at train: \[E_INVALID_ARGUMENT\] train: unknown option --epoch; did you mean --epochs\?/);
    const flagFirst = await cli('--epochs', '2');
    expect(flagFirst.code).toBe(2);
    expect(flagFirst.err).toMatch(/"--epochs" is not a command/);
  });

  it('a failure that is not a usage error exits 1 on stderr', async () => {
    const r = await cli('report', '/nonexistent/run');
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/E_IO/);
  });
});

describe('progress callback', () => {
  it('draws one bar per loop on a log sink: sparse lines, the last at 100%', () => {
    const lines: string[] = [];
    let t = 0;
    const report = progressCallback('evaluation', { isTTY: false, write: (s) => lines.push(s) }, () => (t += 100));
    for (let done = 1; done <= 20; done++) report(done, 20, `batch ${done}`);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toMatch(/^evaluation 20\/20 100% .*batch 20\n$/);
    report(1, 4);
    expect(lines.at(-1)).toMatch(/^evaluation 1\/4 25%/);
  });

  it('redraws in place on a terminal and ends the line when done', () => {
    const out: string[] = [];
    const report = progressCallback('validation', { isTTY: true, write: (s) => out.push(s) }, () => 0);
    report(1, 2);
    report(2, 2);
    expect(out[0]).toMatch(/^\r\[#{12}\.{12}\] validation 1\/2 50%/);
    expect(out.at(-1)).toBe('\n');
  });
});
