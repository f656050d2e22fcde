// The run directory's lock: one run at a time writes into a directory (two `ntk-at train --out D`
// at once would interleave their logs and overwrite each other's config and checkpoints). Taken
// before a run writes its first file, released when it ends; one left by a dead process is taken over.

import { NtkError } from '../errors.js';
import type { FileLock, Platform } from '../platform/index.js';

/** The lock's file name in the run directory (`ntk-at run` holds run.lock there while its `train` child holds this one). */
export const RUN_DIRECTORY_LOCK = 'train.lock';

/** Takes `outDir`'s lock (null where the runtime has no lock files: browsers); E_RUN_LOCKED naming the holder when a live run has it. */
export async function lockRunDirectory(platform: Platform, outDir: string): Promise<FileLock | null> {
  if (!platform.cli.lockFile) return null;
  const path = `${outDir}/${RUN_DIRECTORY_LOCK}`;
  const lock = await platform.cli.lockFile(path);
  if (!lock.held) {
    throw new NtkError('E_RUN_LOCKED', `${outDir} is in use: ${path} is held by ${lock.holder}, a run writing into that directory. ` +
      'Wait for it to finish or choose another output directory; if that process is dead on another host, delete the lock file.', { path });
  }
  return lock;
}
