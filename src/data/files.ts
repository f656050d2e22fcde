// The data module that touches files, only through Platform.readFile (a path in Node and Deno, a
// URL in browsers): Fashion-MNIST (Debian's dataset-fashion-mnist by default), CIFAR-10 binary
// batches, and the default data set of the CLI and demo.

import { NtkError } from '../errors.js';
import { currentPlatform, type Platform } from '../platform/index.js';
import { readCifar10 } from './cifar.js';
import type { ImageDataset } from './dataset.js';
import { readIdxDataset, type DataFile } from './idx.js';
import { syntheticShapes } from './synthetic.js';

/** Where Debian's `dataset-fashion-mnist` package installs the gzip'd IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Which part of a data set: the training or the test files. */
export type Split = 'train' | 'test';

/** Where data files are read from. */
export interface FileOptions {
  /** Directory (or URL prefix in a browser) holding the files. */
  dir: string;
  split: Split;
  /** Platform to read through; default the current runtime's. */
  platform?: Platform;
}

/** Reads one file as a DataFile; E_DATA_READ names it and says what to do. */
export async function readDataFile(path: string, platform: Platform = currentPlatform(), hint = ''): Promise<DataFile> {
  try {
    return { file: path, bytes: await platform.readFile(path) };
  } catch (e) {
    const cause = (e as Error).message;
    throw new NtkError('E_DATA_READ', `${path}: cannot read it (${cause}).${hint ? ` ${hint}` : ''}`, { file: path, cause });
  }
}

/** Fashion-MNIST (or MNIST-layout IDX files, plain or .gz) of one split: [n, 1, 28, 28], 10 classes. */
export async function loadFashionMnist(options: Partial<FileOptions> = {}): Promise<ImageDataset> {
  const { dir = FASHION_MNIST_DIR, split = 'train', platform } = options;
  const stem = split === 'train' ? 'train' : 't10k';
  const hint = dir === FASHION_MNIST_DIR ? 'Install it with `apt-get install dataset-fashion-mnist`, or pass dir.' : '';
  const images = await readIdxFile(dir, `${stem}-images-idx3-ubyte`, platform, hint);
  const labels = await readIdxFile(dir, `${stem}-labels-idx1-ubyte`, platform, hint);
  return readIdxDataset(images, labels, { name: `fashion-mnist-${split}`, classes: FASHION_MNIST_CLASSES });
}

/** `<dir>/<name>.gz`, else `<dir>/<name>` (the files as downloaded, or gunzipped). */
async function readIdxFile(dir: string, name: string, platform: Platform | undefined, hint: string): Promise<DataFile> {
  try {
    return await readDataFile(`${dir}/${name}.gz`, platform);
  } catch (gzError) {
    try {
      return await readDataFile(`${dir}/${name}`, platform);
    } catch {
      const { file, cause } = (gzError as NtkError).details;
      throw new NtkError('E_DATA_READ', `${file} (or without .gz): cannot read it (${cause}). ${hint}`.trim(), { file, cause });
    }
  }
}

/** CIFAR-10, binary version: train = data_batch_1..5.bin (50,000), test = test_batch.bin (10,000); [n, 3, 32, 32]. */
export async function loadCifar10(options: Partial<FileOptions> & { dir: string }): Promise<ImageDataset> {
  const { dir, split = 'train', platform } = options;
  const names = split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
  const hint = 'Download and extract cifar-10-binary.tar.gz (the "binary version") and pass its cifar-10-batches-bin directory.';
  const files: DataFile[] = [];
  for (const name of names) files.push(await readDataFile(`${dir}/${name}`, platform, hint));
  return readCifar10(files, `cifar10-${split}`);
}

/** What loadDefaultDataset returns. */
export interface DefaultDataset {
  train: ImageDataset;
  test: ImageDataset;
  /** Set when the real data was missing and synthetic stand-ins are returned: say so to the user. */
  notice: string | null;
}

/**
 * The CLI's and demo's default data: Fashion-MNIST from FASHION_MNIST_DIR when it can be read.
 * If the files cannot be read (E_DATA_READ), synthetic 28x28 shapes named `synthetic-shapes-*`
 * with a notice; corrupt files are an error, never replaced.
 */
export async function loadDefaultDataset(options: { dir?: string; platform?: Platform } = {}): Promise<DefaultDataset> {
  try {
    const train = await loadFashionMnist({ ...options, split: 'train' });
    const test = await loadFashionMnist({ ...options, split: 'test' });
    return { train, test, notice: null };
  } catch (e) {
    if (!(e instanceof NtkError) || e.code !== 'E_DATA_READ') throw e;
    return {
      train: syntheticShapes({ name: 'synthetic-shapes-train', perClass: 600, seed: 1 }),
      test: syntheticShapes({ name: 'synthetic-shapes-test', perClass: 100, seed: 2 }),
      notice: `Fashion-MNIST not found (${e.message}); using SYNTHETIC shapes (synthetic-shapes-*) instead.`,
    };
  }
}
