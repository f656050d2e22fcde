// A run directory has one owner: the directory's lock, taken before a command writes its first file
// there and released when it ends (one left by a dead process is taken over), for every command that
// writes a run (train, run, experiment and its plan and collect, evaluate --log, ntk); a directory
// path that is empty or the file-system root is refused, and so is a fresh run into a directory that
// holds one already, unless it is resumed or replaced on purpose (overwrite).

import { NtkError } from '../errors.js';
import type { FileLock, Platform } from '../platform/index.js';

/** The lock's file name in the run directory (`ntk-at run` holds run.lock there while its `train` child holds this one). */
export const RUN_DIRECTORY_LOCK = 'train.lock';

/** Files that mark a directory as holding a run (a log counts once it has a record). */
const RUN_FILES = ['config.json', 'checkpoint.safetensors', 'log.jsonl'] as const;

/** E_INVALID_ARGUMENT unless `dir` is a non-empty string path that is not the file-system root (`name`: the option or argument). */
export function checkDirectoryPath(dir: unknown, name: string): asserts dir is string {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${name} must name a directory (a non-empty path string), got ${JSON.stringify(dir) ?? String(dir)}.`,
      { option: name, value: typeof dir === 'string' ? dir : String(dir) },
    );
  }
  if (dir.startsWith('/') && dir.split('/').every((part) => part === '' || part === '.' || part === '..')) {
    throw new NtkError('E_INVALID_ARGUMENT', `${name} is ${dir}, the file-system root; name a directory of its own (e.g. runs/my-run).`, {
      option: name,
      value: dir,
    });
  }
}

/** Takes `outDir`'s lock (null where the runtime has no lock files: browsers); E_RUN_LOCKED naming the holder when a live run has it. */
export async function lockRunDirectory(platform: Platform, outDir: string): Promise<FileLock | null> {
  if (!platform.cli.lockFile) return null;
  const path = `${outDir}/${RUN_DIRECTORY_LOCK}`;
  const lock = await platform.cli.lockFile(path);
  if (!lock.held) {
    throw new NtkError(
      'E_RUN_LOCKED',
      `${outDir} is in use: ${path} is held by ${lock.holder}, a run writing into that directory. ` +
        'Wait for it to finish or choose another output directory; if that process is dead on another host, delete the lock file.',
      { path },
    );
  }
  return lock;
}

/** Runs `work` holding `dir`'s lock (E_RUN_LOCKED while another process holds it), releasing it however `work` ends. */
export async function withDirectoryLock<T>(platform: Platform, dir: string, work: () => Promise<T>): Promise<T> {
  const lock = await lockRunDirectory(platform, dir);
  try {
    return await work();
  } finally {
    await lock?.release().catch(() => undefined); // a lock file someone removed meanwhile is no error
  }
}

/** Whether `path` is a file with content (an empty or missing file, or one that cannot be read, is not). */
async function hasContent(platform: Platform, path: string): Promise<boolean> {
  try {
    return (await platform.readFile(path, 0)).length > 0;
  } catch (e) {
    return e instanceof NtkError && e.code === 'E_RESOURCE_LIMIT'; // over a 0-byte bound: it has content (read bounded, not read)
  }
}

/**
 * Refuses a fresh run into `dir` when it holds a run already (config.json, checkpoint.safetensors
 * or a log with records): E_INVALID_ARGUMENT saying how to resume it, or to replace it (`overwrite`).
 */
export async function refuseExistingRun(platform: Platform, dir: string): Promise<void> {
  for (const file of RUN_FILES) {
    if (await hasContent(platform, `${dir}/${file}`)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `${dir} holds a run already (${dir}/${file}); a second run there would mix its log with that one. ` +
          `Resume it (--resume ${dir}/checkpoint.safetensors), choose another output directory, or replace it (--overwrite; library: overwrite true).`,
        { option: 'out', path: dir },
      );
    }
  }
}
