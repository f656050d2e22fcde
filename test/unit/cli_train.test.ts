// `ntk-at train` end to end on a synthetic data set (1 epoch into a temp dir): log, checkpoint,
// config and report written and consistent; `evaluate` rebuilds the model from the checkpoint alone
// and reproduces the final evaluation; `evaluate --log` + `report` regenerate the report; a resume
// with other options is refused.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunLog } from '../../src/io/runlog.js';
import { encodeCheckpoint, loadCheckpoint } from '../../src/train/checkpoint.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = join(dir, 'run');
const ARGS = [
  '--dataset',
  'synthetic-clusters',
  '--train-size',
  '200',
  '--val-size',
  '50',
  '--test-size',
  '100',
  '--hidden',
  '16',
  '--method',
  'fgsm-rs',
  '--epochs',
  '1',
  '--batch-size',
  '50',
  '--eps',
  '8/255',
  '--lr',
  '0.1',
  '--log-every',
  '2',
  '--threats',
  'clean,fgsm,pgd5',
  '--seed',
  '3',
  '--schedule',
  'constant',
];

describe('ntk-at train / evaluate / report', () => {
  it('--config: a recipe naming a CNN with biased BatchNorm variance and cumulative averaging trains end to end; flags override it', async () => {
    const recipeFile = join(dir, 'cnn-recipe.json');
    writeFileSync(
      recipeFile,
      JSON.stringify({
        data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 20, testSize: 50, seed: 1 },
        model: { kind: 'cnn', channels: [4], hidden: [], bn: { runningVariance: 'biased', average: 'cumulative' } },
        training: { method: 'pgd', epochs: 1, batchSize: 25, lr: 0.1, schedule: 'constant', logEvery: 2, attack: { eps: 0.05, steps: 2 } },
        evaluation: { threats: ['clean', 'pgd3'] },
      }),
    );
    const out = join(dir, 'cnn');
    const r = await cli('train', '--config', recipeFile, '--seed', '4', '--out', out);
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.recipe.model.bn).toEqual({
      eps: 1e-5,
      momentum: 0.1,
      average: 'cumulative',
      runningVariance: 'biased',
      debias: false,
      affine: true,
    });
    expect(config.model.options.bn).toEqual(config.recipe.model.bn);
    expect(config.recipe.training.seed).toBe(4); // the flag overrides the file
    const cp = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect([...cp.model.keys()]).toContain('block1.bn.running_var');
    expect(cp.model.get('block1.bn.num_batches_tracked')?.data[0]).toBe(4); // 100 images / 25
    const evalRecord = parseRunLog(readFileSync(join(out, 'log.jsonl'), 'utf8')).at(-1)!;
    expect(Object.keys(evalRecord.accuracy as object)).toEqual(['clean', 'pgd3', 'worst-case']);
    // a run's config.json replays it: the same checkpoint bytes
    const replay = join(dir, 'cnn-replay');
    const again = await cli('train', '--config', join(out, 'config.json'), '--out', replay);
    expect(again.code, again.err).toBe(0);
    expect(readFileSync(join(replay, 'checkpoint.safetensors')).equals(readFileSync(join(out, 'checkpoint.safetensors')))).toBe(true);
    const unknown = join(dir, 'bad-recipe.json');
    writeFileSync(unknown, JSON.stringify({ model: { kind: 'cnn', bn: { runningVar: 'biased' } } }));
    const bad = await cli('train', '--config', unknown, '--out', join(dir, 'never'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown recipe field "model\.bn\.runningVar"/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('CIFAR-10 (binary batches from --data-dir) with a PreAct-ResNet trains end to end', async () => {
    // A stand-in CIFAR-10 directory in the real binary layout: 5 training batches and a test batch of
    // 3073-byte records (label, then 3x32x32 pixels), 4 images per class per file.
    const cifar = join(dir, 'cifar-10-batches-bin');
    mkdirSync(cifar);
    const batch = (seed: number) => {
      const bytes = new Uint8Array(40 * 3073);
      for (let r = 0; r < 40; r++) {
        bytes[r * 3073] = r % 10;
        for (let k = 1; k < 3073; k++) bytes[r * 3073 + k] = (r * 37 + k * 11 + seed * 101 + (r % 10) * 20) % 256;
      }
      return bytes;
    };
    [1, 2, 3, 4, 5].forEach((k) => writeFileSync(join(cifar, `data_batch_${k}.bin`), batch(k)));
    writeFileSync(join(cifar, 'test_batch.bin'), batch(9));
    const out = join(dir, 'cifar');
    const r = await cli(
      'train',
      '--dataset',
      'cifar10',
      '--data-dir',
      cifar,
      '--train-size',
      '40',
      '--val-size',
      '0',
      '--test-size',
      '20',
      '--model',
      'preact-resnet',
      '--blocks',
      '1,1',
      '--widths',
      '4,8',
      '--bn-variance',
      'biased',
      '--method',
      'fgsm-rs',
      '--epochs',
      '1',
      '--batch-size',
      '20',
      '--eps',
      '8/255',
      '--threats',
      'clean,fgsm',
      '--augment',
      'on',
      '--out',
      out,
    );
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.trainData).toMatch(/^cifar10-train\[40/);
    expect(config.model.options).toMatchObject({
      inputShape: [3, 32, 32],
      blocks: [1, 1],
      widths: [4, 8],
      bn: { runningVariance: 'biased' },
    });
    expect(config.train.augment).toEqual({ padding: 4, flip: true });
    const cp = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect([...cp.model.keys()]).toContain('layer2.0.shortcut.weight');
  }, 120_000);

  it("--norm l2 --eps 2 (an l2 radius above 1): PGD-AT, NTK probes, validation and the final evaluation in the l2 ball; evaluate and ntk keep the run's threat model", async () => {
    const out = join(dir, 'l2');
    const r = await cli(
      'train',
      ...ARGS.map((a) => (a === 'fgsm-rs' ? 'pgd' : a === '8/255' ? '2' : a)),
      '--norm',
      'l2',
      '--pgd-steps',
      '2',
      '--pgd-step-factor',
      '0.5',
      '--ntk',
      'on',
      '--probe-per-class',
      '2',
      '--ntk-attack',
      'fgsm',
      '--out',
      out,
    );
    expect(r.code, r.err).toBe(0);
    const records = parseRunLog(readFileSync(join(out, 'log.jsonl'), 'utf8'));
    const config = records[0];
    expect((config.train as { norm: string }).norm).toBe('l2');
    expect((config.evaluation as { norm: string }).norm).toBe('l2');
    const evalRecord = records.at(-1)!;
    expect(evalRecord).toMatchObject({ type: 'eval', norm: 'l2', eps: 2, pgdStepFactor: 0.5 });
    expect(records.filter((x) => x.type === 'kernel').every((k) => k.adversarial !== null)).toBe(true);
    // evaluate: the run's norm, radius and step factor (not l-inf and 0.25), said in one line and recorded
    const checkpoint = join(out, 'checkpoint.safetensors');
    const e = await cli('evaluate', '--checkpoint', checkpoint, '--threats', 'clean,fgsm,pgd5', '--seed', '3', '--json');
    expect(e.code, e.err).toBe(0);
    expect(e.err).toContain('threat model: l2, eps 2, PGD step 0.5·eps (norm from the run, eps from the run, step factor from the run)');
    expect(JSON.parse(e.out)).toMatchObject({ norm: 'l2', eps: 2, pgdStepFactor: 0.5, accuracy: evalRecord.accuracy });
    const flags = await cli('evaluate', '--checkpoint', checkpoint, '--threats', 'clean', '--norm', 'linf', '--eps', '8/255', '--json');
    expect(flags.err).toContain(
      'threat model: linf, eps 8/255 (0.0314), PGD step 0.5·eps (norm from --norm, eps from --eps, step factor from the run)',
    );
    expect(JSON.parse(flags.out)).toMatchObject({ norm: 'linf', eps: 8 / 255, pgdStepFactor: 0.5 });
    const tooFar = await cli('evaluate', '--checkpoint', checkpoint, '--eps', '9'); // √64 = 8 is the l2 diameter of the 8x8 input cube
    expect(tooFar.code).toBe(2);
    expect(tooFar.err).toMatch(/--eps must be in \[0, 8\] for l2/);
    // ntk: its adversarial probes in the same threat model
    const k = await cli(
      'ntk',
      '--checkpoint',
      checkpoint,
      '--inputs',
      'pgd',
      '--pgd-steps',
      '1',
      '--probe-per-class',
      '2',
      '--out',
      join(out, 'k'),
      '--json',
    );
    expect(k.code, k.err).toBe(0);
    expect(k.err).toContain('threat model: l2, eps 2, PGD step 0.5·eps (norm from the run, eps from the run, step factor from the run)');
  });

  it('explicit data that cannot be read is E_DATA_READ naming the path, never synthetic; the fallback is explicit and logged', async () => {
    const r = await cli(
      'train',
      ...ARGS,
      '--dataset',
      'fashion-mnist',
      '--data-dir',
      join(dir, 'no-such-dir'),
      '--out',
      join(dir, 'nodata'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/E_DATA_READ.*no-such-dir/);
    expect(existsSync(join(dir, 'nodata'))).toBe(false);
    const out = join(dir, 'fallback');
    const f = await cli(
      'train',
      ...ARGS,
      '--dataset',
      'fashion-mnist',
      '--data-dir',
      join(dir, 'no-such-dir'),
      '--data-fallback',
      'synthetic-shapes',
      '--out',
      out,
    );
    expect(f.code, f.err).toBe(0);
    expect(f.err).toMatch(/notice: fashion-mnist could not be read .*SYNTHETIC synthetic-shapes/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.notice).toMatch(/SYNTHETIC/);
    expect(config.trainData).toMatch(/^synthetic-shapes/);
  });

  it('--switch kernel trains clean until the kernels diverge, then adversarially, and logs the switch', async () => {
    const run = join(dir, 'switch');
    const r = await cli(
      'train',
      ...ARGS,
      '--ntk',
      'on',
      '--probe-per-class',
      '2',
      '--ntk-attack',
      'fgsm',
      '--switch',
      'kernel',
      '--switch-tau',
      '0',
      '--switch-patience',
      '2',
      '--out',
      run,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/switching to .* \(divergence\)/);
    const records = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8'));
    const kernels = records.filter((x) => x.type === 'kernel');
    const event = records.find((x) => x.type === 'event' && x.event === 'switch');
    expect(event?.reason).toBe('divergence');
    expect(event?.epochFraction).toBe(kernels[1].epochFraction); // tau 0: the second check completes the streak
    const bad = await cli('train', ...ARGS, '--switch', 'kernel', '--out', join(dir, 'switch-bad'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/"switch\.rule" is "kernel".*ntk\.enabled/);
    expect(existsSync(join(dir, 'switch-bad')), 'nothing written for a refused recipe').toBe(false);
  });

  it('--ntk on logs kernel checks (clean and adversarial) and the report gets the NTK section', async () => {
    const run = join(dir, 'ntk');
    const r = await cli('train', ...ARGS, '--ntk', 'on', '--probe-per-class', '2', '--ntk-attack', 'fgsm', '--out', run);
    expect(r.code, r.err).toBe(0);
    const records = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8'));
    const kernels = records.filter((x) => x.type === 'kernel');
    expect(kernels.map((k) => k.epochFraction)[0]).toBe(0);
    expect(kernels.at(-1)?.epochFraction).toBe(1);
    expect(kernels.every((k) => Number.isFinite(k.lambdaMax as number) && k.adversarial !== null)).toBe(true);
    expect(records.filter((x) => x.type === 'kernel-polar')).toHaveLength(1);
    const md = readFileSync(join(run, 'report.md'), 'utf8');
    expect(md).toContain('## Neural tangent kernel');
    for (const f of ['ntk_movement.svg', 'ntk_velocity.svg', 'ntk_lambda_max.svg', 'ntk_effective_rank.svg', 'ntk_polar.svg']) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
  });

  it('trains one epoch and writes log, checkpoint, config and report', async () => {
    const r = await cli('train', ...ARGS, '--out', run);
    expect(r.code, r.err).toBe(0);
    for (const f of ['log.jsonl', 'checkpoint.safetensors', 'config.json', 'report.md', 'report.html', 'loss.svg', 'accuracy.svg']) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const records = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8'));
    expect(records.map((x) => x.type)).toEqual(['config', 'step', 'step', 'epoch', 'event', 'eval']);
    const evalRecord = records.at(-1)!;
    expect(evalRecord.samples).toBe(100);
    expect(evalRecord.eps).toBe(8 / 255);
    expect(Object.keys(evalRecord.accuracy as object)).toEqual(['clean', 'fgsm', 'pgd5', 'worst-case']);
    const accuracy = evalRecord.accuracy as Record<string, number>;
    expect(accuracy['worst-case']).toBeLessThanOrEqual(Math.min(accuracy.clean, accuracy.fgsm, accuracy.pgd5));
    expect(r.err).toMatch(/epoch 1\/1 4\/4 100% .*loss .* \| val clean/);
    expect(r.out).toContain(`${(100 * (evalRecord.accuracy as Record<string, number>).pgd5).toFixed(1)}%`);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config.model).toEqual({ kind: 'mlp', options: expect.objectContaining({ hidden: [16], inputShape: [1, 8, 8], classes: 10 }) });
    const cp = await loadCheckpoint(join(run, 'checkpoint.safetensors'));
    expect(cp.epoch).toBe(1);
    expect(cp.step).toBe(4);
    // the resolved recipe once, plus what preparing the run derived from it (src/run/stored_run.ts)
    expect(cp.config).toEqual({
      recipe: config.recipe,
      facts: { inputShape: [1, 8, 8], classes: 10, normalize: config.model.options.normalize, parameters: config.parameters },
      adapter: config.adapter, // a resume on another adapter is refused
    });
    expect(config.recipe.training).toMatchObject({ method: 'fgsm-rs', epochs: 1, batchSize: 50, seed: 3, attack: { eps: 8 / 255 } });
    const md = readFileSync(join(run, 'report.md'), 'utf8');
    expect(md).toContain('| synthetic-clusters-test[first 10/class] | 100 |');
    expect(md).toContain(`Adapter: ${config.adapter}`);
  });

  it('evaluate rebuilds the model from the checkpoint and reproduces the final evaluation', async () => {
    const logged = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8')).at(-1)!;
    const r = await cli(
      'evaluate',
      '--checkpoint',
      join(run, 'checkpoint.safetensors'),
      '--threats',
      'clean,fgsm,pgd5',
      '--seed',
      '3',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.accuracy).toEqual(logged.accuracy); // same weights, data, threats and seed
    expect(result.eps).toBe(8 / 255);
  });

  it('a checkpoint of the older layout (recipe, run and the flattened train options) still loads: evaluate and ntk read it', async () => {
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    const cp = await loadCheckpoint(join(run, 'checkpoint.safetensors'));
    const { epochs: _epochs, checkpointPath: _path, ...flattened } = config.train;
    const oldConfig = {
      recipe: config.recipe,
      run: { data: config.data, model: config.model },
      ...flattened,
      model: 'mlp',
      parameters: config.parameters,
      dataset: config.trainData,
      samples: 200,
    };
    const old = join(dir, 'old-layout.safetensors');
    writeFileSync(old, encodeCheckpoint({ ...cp, config: oldConfig }));
    const logged = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8')).at(-1)!;
    const r = await cli('evaluate', '--checkpoint', old, '--threats', 'clean,fgsm,pgd5', '--seed', '3', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ accuracy: logged.accuracy, eps: 8 / 255, norm: 'linf', pgdStepFactor: 0.25 });
    expect(r.err).toContain(
      'threat model: linf, eps 0.03137254901960784, PGD step 0.25·eps (norm from the run, eps from the run, step factor from the run)',
    );
    const k = await cli('ntk', '--checkpoint', old, '--probe-per-class', '1', '--out', join(dir, 'old-layout-kernel'), '--json');
    expect(k.code, k.err).toBe(0);
    expect(JSON.parse(k.out)).toMatchObject({ kind: 'trace', rows: 10 });
  });

  it('evaluate --log appends a record and report regenerates the report with it', async () => {
    const r = await cli(
      'evaluate',
      '--checkpoint',
      join(run, 'checkpoint.safetensors'),
      '--threats',
      'pgd3x2',
      '--eps',
      '0.05',
      '--log',
      join(run, 'log.jsonl'),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/pgd3x2 +[0-9.]+%/);
    const rep = await cli('report', run);
    expect(rep.code, rep.err).toBe(0);
    const md = readFileSync(join(run, 'report.md'), 'utf8');
    expect(md).toContain('| data | images | eps | clean | fgsm | pgd5 | pgd3x2 | worst-case | seconds |');
    expect(md).toMatch(/\| 100 \| 0\.05 \| - \| - \| - \| [0-9.]+% \| [0-9.]+% \|/);
  });

  it('resuming with other options is E_CHECKPOINT_MISMATCH (exit 1); with the same ones it continues', async () => {
    const cp = join(run, 'checkpoint.safetensors');
    const configBefore = readFileSync(join(run, 'config.json'), 'utf8');
    const logBefore = readFileSync(join(run, 'log.jsonl'), 'utf8');
    const other = await cli('train', ...ARGS.map((a) => (a === '8/255' ? '4/255' : a)), '--epochs', '2', '--resume', cp);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/E_CHECKPOINT_MISMATCH.*"training\.attack\.eps"/);
    expect(readFileSync(join(run, 'config.json'), 'utf8'), 'a refused resume leaves config.json alone').toBe(configBefore);
    expect(readFileSync(join(run, 'log.jsonl'), 'utf8'), 'and the log').toBe(logBefore);
    const same = await cli('train', ...ARGS, '--epochs', '2', '--resume', cp);
    expect(same.code, same.err).toBe(0);
    const epochs = parseRunLog(readFileSync(join(run, 'log.jsonl'), 'utf8'))
      .filter((x) => x.type === 'epoch')
      .map((x) => x.epoch);
    expect(epochs).toEqual([0, 1]);
    expect((await loadCheckpoint(cp)).epoch).toBe(2);
  });
});
