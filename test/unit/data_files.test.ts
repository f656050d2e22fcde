// Node-only tests of the data readers on files: the real Fashion-MNIST from Debian's package
// (counts, shapes, labels, pixel statistics computed once and pinned here), CIFAR-10 binary files
// written by the test, typed errors for bad files, and a fuzz of a few hundred corruptions per reader.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCifar10 } from '../../src/data/cifar.js';
import { FASHION_MNIST_DIR, loadCifar10, loadDefaultDataset, loadFashionMnist } from '../../src/data/files.js';
import { gunzip } from '../../src/data/gzip.js';
import { decodeIdx, readIdxDataset } from '../../src/data/idx.js';
import { NtkError } from '../../src/errors.js';
import { cifarBatch, cifarPixel, corruptions, fuzz, gzipBytes, idxBytes, idxPair } from '../conformance/data_bytes.js';

const haveFashion = existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
const tmp = mkdtempSync(join(tmpdir(), 'ntk-at-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CLASSES = Array.from({ length: 10 }, (_, c) => `class ${c}`);

function pixelSum(images: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < images.length; i++) sum += images[i];
  return sum;
}

describe.skipIf(!haveFashion)('Fashion-MNIST from /usr/share/datasets/fashion-mnist (dataset-fashion-mnist)', () => {
  it('train: 60,000 images [1, 28, 28], 6,000 per class, pinned pixel statistics', async () => {
    const train = await loadFashionMnist({ split: 'train' });
    expect(train.name).toBe('fashion-mnist-train');
    expect(train.length).toBe(60000);
    expect(train.shape).toEqual([1, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.classCounts()).toEqual(new Array(10).fill(6000));
    expect(Math.max(...train.labels)).toBe(9);
    expect([...train.labels.subarray(0, 10)]).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    // Computed once from the files and pinned: the sum of all bytes, i.e. mean pixel 0.286040597
    // in [0, 1] (the published Fashion-MNIST train mean is 0.2860), and the first image's sum.
    const sum = pixelSum(train.images);
    expect(sum).toBe(3431114169);
    expect(sum / train.images.length / 255).toBeCloseTo(0.28604, 5);
    expect(pixelSum(train.image(0))).toBe(76247);
  });

  it('test: 10,000 images, 1,000 per class, pinned pixel statistics', async () => {
    const test = await loadFashionMnist({ split: 'test' });
    expect(test.length).toBe(10000);
    expect(test.classCounts()).toEqual(new Array(10).fill(1000));
    expect(pixelSum(test.images)).toBe(573469082);
    expect(pixelSum(test.image(0))).toBe(33456);
  });

  it('loadDefaultDataset returns the real files, with no notice', async () => {
    const d = await loadDefaultDataset();
    expect([d.train.name, d.test.name, d.notice]).toEqual(['fashion-mnist-train', 'fashion-mnist-test', null]);
  });
});

describe('IDX files on disk', () => {
  it('reads plain and .gz files, preferring .gz', async () => {
    const { images, labels } = idxPair(30, 28, 28);
    const dir = join(tmp, 'idx');
    mkdirSync(dir);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
    const plain = await loadFashionMnist({ dir, split: 'test' });
    expect(plain.length).toBe(30);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), await gzipBytes(images.subarray(0, 100)));
    const error = await loadFashionMnist({ dir, split: 'test' }).catch((e) => e);
    expect(error).toBeInstanceOf(NtkError);
    expect(error.code).toBe('E_DATA_FORMAT');
    expect(error.message).toContain('t10k-images-idx3-ubyte.gz');
  });

  it('a missing directory is E_DATA_READ naming the file; loadDefaultDataset then says it is synthetic', async () => {
    const error = await loadFashionMnist({ dir: join(tmp, 'nowhere') }).catch((e) => e);
    expect(error.code).toBe('E_DATA_READ');
    expect(error.message).toContain('nowhere/train-images-idx3-ubyte.gz');
    const d = await loadDefaultDataset({ dir: join(tmp, 'nowhere') });
    expect(d.train.name).toBe('synthetic-shapes-train');
    expect(d.test.name).toBe('synthetic-shapes-test');
    expect(d.train.shape).toEqual([1, 28, 28]);
    expect(d.notice).toMatch(/SYNTHETIC/);
  });

  it('corrupt real-looking files are an error, never replaced by synthetic data', async () => {
    const dir = join(tmp, 'corrupt');
    mkdirSync(dir);
    const { images, labels } = idxPair(5, 28, 28);
    for (const stem of ['train', 't10k']) {
      writeFileSync(join(dir, `${stem}-images-idx3-ubyte`), images);
      writeFileSync(join(dir, `${stem}-labels-idx1-ubyte`), labels.subarray(0, labels.length - 1));
    }
    const error = await loadDefaultDataset({ dir }).catch((e) => e);
    expect(error.code).toBe('E_DATA_FORMAT');
    expect(error.message).toContain('labels-idx1-ubyte');
  });
});

describe('CIFAR-10 binary files written in the exact format', () => {
  async function writeCifar(dir: string, perFile: number): Promise<void> {
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < 5; k++) {
      const labels = Array.from({ length: perFile }, (_, r) => (k * perFile + r) % 10);
      writeFileSync(join(dir, `data_batch_${k + 1}.bin`), cifarBatch(labels, k * perFile));
    }
    writeFileSync(join(dir, 'test_batch.bin'), cifarBatch([9, 8, 7], 1000));
  }

  it('train concatenates data_batch_1..5 in order; test reads test_batch.bin; pixels are CHW', async () => {
    const dir = join(tmp, 'cifar');
    await writeCifar(dir, 4);
    const train = await loadCifar10({ dir, split: 'train' });
    expect(train.name).toBe('cifar10-train');
    expect(train.length).toBe(20);
    expect(train.shape).toEqual([3, 32, 32]);
    expect([...train.labels]).toEqual(Array.from({ length: 20 }, (_, r) => r % 10));
    for (const [r, ch, y, x] of [
      [0, 0, 0, 0],
      [7, 1, 5, 9],
      [19, 2, 31, 0],
      [13, 0, 16, 16],
    ]) {
      expect(train.image(r)[ch * 1024 + y * 32 + x]).toBe(cifarPixel(r, ch, y, x));
    }
    const test = await loadCifar10({ dir, split: 'test' });
    expect([...test.labels]).toEqual([9, 8, 7]);
    expect(test.image(2)[2047]).toBe(cifarPixel(1002, 1, 31, 31));
  });

  it('a truncated batch file is E_DATA_FORMAT naming it; a missing one is E_DATA_READ with a hint', async () => {
    const dir = join(tmp, 'cifar-bad');
    await writeCifar(dir, 2);
    writeFileSync(join(dir, 'data_batch_3.bin'), cifarBatch([1, 2]).subarray(0, 3073 + 100));
    const error = await loadCifar10({ dir }).catch((e) => e);
    expect([error.code, error.details.file]).toEqual(['E_DATA_FORMAT', join(dir, 'data_batch_3.bin')]);
    rmSync(join(dir, 'test_batch.bin'));
    const missing = await loadCifar10({ dir, split: 'test' }).catch((e) => e);
    expect(missing.code).toBe('E_DATA_READ');
    expect(missing.message).toMatch(/test_batch\.bin.*binary version/);
  });
});

describe('fuzz: a few hundred corrupted byte strings per reader', () => {
  const accepted = (kind: string) => (ok: boolean) => expect(ok, kind).toBe(true);

  it('IDX (plain)', async () => {
    const { images } = idxPair(6, 5, 4);
    const outcome = await fuzz(
      corruptions(images, 400, 11),
      'f.idx',
      (b) => decodeIdx(b, 'f.idx'),
      (r) => accepted('size')(r.data.length === r.dims.reduce((a, d) => a * d, 1)),
    );
    expect(outcome.typed + outcome.valid).toBe(400);
    expect(outcome.typed).toBeGreaterThan(300);
  });

  it('IDX (gzip)', async () => {
    const { labels } = idxPair(50, 1, 1);
    const gz = await gzipBytes(labels);
    const outcome = await fuzz(
      corruptions(gz, 300, 12),
      'f.gz',
      (b) => decodeIdx(b, 'f.gz'),
      (r) => accepted('rank')(r.dims.length >= 1),
    );
    expect(outcome.typed).toBeGreaterThan(200);
  });

  it('IDX image + label pair', async () => {
    const { images, labels } = idxPair(8, 3, 3);
    const read = (b: Uint8Array) =>
      readIdxDataset({ file: 'i.idx', bytes: images }, { file: 'l.idx', bytes: b }, { name: 'p', classes: CLASSES });
    const outcome = await fuzz(corruptions(labels, 300, 13), 'l.idx', read, (d) =>
      accepted('labels')(d.length === 8 && d.labels.every((l) => l < 10)),
    );
    expect(outcome.typed).toBeGreaterThan(250);
  });

  it('CIFAR-10 binary', async () => {
    const bytes = cifarBatch([0, 9, 3]);
    const read = (b: Uint8Array) => readCifar10([{ file: 'c.bin', bytes: b }], 'c');
    const outcome = await fuzz(corruptions(bytes, 300, 14), 'c.bin', read, (d) => accepted('records')(d.images.length === d.length * 3072));
    expect(outcome.typed).toBeGreaterThan(150);
  });

  it('gunzip alone', async () => {
    const gz = await gzipBytes(idxBytes([3], Uint8Array.of(1, 2, 3)));
    const outcome = await fuzz(
      corruptions(gz, 300, 15),
      'g.gz',
      (b) => gunzip(b, 'g.gz'),
      (r) => accepted('bytes')(r instanceof Uint8Array),
    );
    expect(outcome.typed).toBeGreaterThan(150);
  });
});
