// Reader of the CIFAR-10 binary format (data_batch_1..5.bin, test_batch.bin) from bytes: records of
// 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major), which
// is already CHW. Optionally gzip'd. No file access here.

import { NtkError } from '../errors.js';
import { ImageDataset, checkLabels } from './dataset.js';
import { maybeGunzip } from './gzip.js';
import type { DataFile } from './idx.js';

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Bytes per CIFAR-10 record: the label, then 3 x 32 x 32 pixels. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

/** Number of records in one CIFAR-10 batch file; E_DATA_FORMAT/E_DATA_EMPTY unless it is whole records. */
function recordCount(bytes: Uint8Array, file: string): number {
  if (bytes.length === 0) throw new NtkError('E_DATA_EMPTY', `${file}: the CIFAR-10 file is empty.`, { file });
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new NtkError(
      'E_DATA_FORMAT',
      `${file}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records ` +
        '(truncated, or not the binary version of CIFAR-10).',
      { file, problem: 'truncated', bytes: bytes.length },
    );
  }
  return bytes.length / CIFAR10_RECORD_BYTES;
}

/**
 * One data set from CIFAR-10 batch files in the given order (e.g. data_batch_1..5 for training):
 * shape [3, 32, 32], labels checked < 10. Every file is validated before any is copied.
 */
export async function readCifar10(files: DataFile[], name: string): Promise<ImageDataset> {
  if (files.length === 0) throw new NtkError('E_DATA_EMPTY', `${name}: no CIFAR-10 batch files were given.`, { name });
  const raw: Uint8Array[] = [];
  for (const f of files) raw.push(await maybeGunzip(f.bytes, f.file)); // in turn: the first bad file is named
  const counts = raw.map((bytes, k) => recordCount(bytes, files[k].file));
  const pixels = CIFAR10_RECORD_BYTES - 1;
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * pixels);
  const labels = new Uint8Array(total);
  let n = 0;
  raw.forEach((bytes, k) => {
    for (let r = 0; r < counts[k]; r++) labels[n + r] = bytes[r * CIFAR10_RECORD_BYTES];
    checkLabels(labels.subarray(n, n + counts[k]), CIFAR10_CLASSES.length, files[k].file);
    n += counts[k];
  });
  n = 0;
  raw.forEach((bytes, k) => {
    for (let r = 0; r < counts[k]; r++, n++) {
      const start = r * CIFAR10_RECORD_BYTES + 1;
      images.set(bytes.subarray(start, start + pixels), n * pixels);
    }
  });
  return new ImageDataset({
    name,
    images,
    labels,
    shape: [3, 32, 32],
    classes: CIFAR10_CLASSES,
    origin: files.map((f) => f.file).join(', '),
  });
}
