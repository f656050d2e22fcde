// File-system steps shared by the Node and Deno platforms, over a few primitive operations each
// runtime supplies: create a directory one level at a time (recursive mkdir hangs under /proc in
// Node), check that an output directory can be written before any work, and find the temporary
// files that killed atomic writers left behind.

import { NtkError } from '../errors.js';

export interface DirectoryOps {
  /** true: a directory; false: something else (a file); null: nothing there. */
  kind(path: string): Promise<boolean | null>;
  /** Creates one directory whose parent exists. */
  mkdir(path: string): Promise<void>;
  /** Creates an empty file that must not exist yet. */
  create(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** `path` and its ancestors, shortest first ('a/b/c' -> ['a', 'a/b', 'a/b/c']; '/x/y' -> ['/x', '/x/y']). */
function prefixes(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (p && p !== '.' && !p.endsWith('/')) out.push(p);
  }
  return out;
}

function notADirectory(path: string, at: string): NtkError {
  return new NtkError('E_IO', `cannot use ${path} as a directory: ${at} is a file, not a directory. Choose another path.`, { path });
}

/** Creates `dir` and its missing ancestors; E_IO naming the first that is a file or cannot be made. */
export async function makeDirectories(dir: string, ops: DirectoryOps): Promise<void> {
  for (const p of prefixes(dir)) {
    const kind = await ops.kind(p);
    if (kind === false) throw notADirectory(dir, p);
    if (kind === null) {
      try {
        await ops.mkdir(p);
      } catch (e) {
        if ((await ops.kind(p)) !== true)
          throw new NtkError('E_IO', `cannot create directory ${p}: ${(e as Error).message}. Check the path and permissions.`, { path: p });
      }
    }
  }
}

/**
 * Checks, writing nothing that stays, that files can be created in `dir` (made if missing): no
 * ancestor is a file and the deepest existing one accepts a new file. E_IO naming the path otherwise.
 */
export async function checkWritableDirectory(dir: string, ops: DirectoryOps): Promise<void> {
  const chain = prefixes(dir);
  let existing = dir.startsWith('/') ? '/' : '.';
  for (const p of chain) {
    const kind = await ops.kind(p);
    if (kind === false) throw notADirectory(dir, p);
    if (kind === null) break;
    existing = p;
  }
  const probe = `${existing === '/' ? '' : existing}/.ntk-at-write-check-${Math.random().toString(36).slice(2)}`;
  try {
    await ops.create(probe);
  } catch (e) {
    throw new NtkError(
      'E_IO',
      `cannot write in ${dir}: creating a file in ${existing} failed (${(e as Error).message}). Choose a writable directory.`,
      { path: dir },
    );
  }
  await ops.remove(probe);
}

/** The temporary-file prefix of atomic writes to `path` by process `pid`: `<path>.tmp-<pid>-`. */
export function temporaryPrefix(path: string, pid: number): string {
  return `${path}.tmp-${pid}-`;
}

/**
 * Names among `entries` (of the directory of `base`, a file name) that are temporaries of atomic
 * writes to `base` by processes that are no longer alive.
 */
export function staleTemporaries(base: string, entries: string[], alive: (pid: number) => boolean): string[] {
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.tmp-(\\d+)-[a-z0-9]+$`);
  return entries.filter((name) => {
    const m = pattern.exec(name);
    return m !== null && !alive(Number(m[1]));
  });
}

/**
 * The library's cache directory (Node and Deno): NTK_AT_CACHE_DIR, else $XDG_CACHE_HOME/ntk-at,
 * else $HOME/.cache/ntk-at; null when none of them is set.
 */
export function cacheDirectory(env: (name: string) => string | undefined): string | null {
  const explicit = env('NTK_AT_CACHE_DIR');
  if (explicit) return explicit;
  const xdg = env('XDG_CACHE_HOME');
  if (xdg) return `${xdg}/ntk-at`;
  const home = env('HOME');
  return home ? `${home}/.cache/ntk-at` : null;
}
