// The run lock shared by the Node and Deno platforms (CliIo.lockFile), over a few primitive
// operations each runtime supplies: a file created exclusively that holds `host pid`; a lock left by
// a dead process on this host is taken over, one held on another host never is.

import type { FileLock } from './types.js';

export interface LockOps {
  /** This process: its host name and pid. */
  host: string;
  pid: number;
  /** Creates `path` holding `text`; false when it exists already (any other failure throws). */
  createExclusive(path: string, text: string): Promise<boolean>;
  /** The file's text; throws when it is gone. */
  read(path: string): Promise<string>;
  /** Removes the file; nothing when it is gone. */
  remove(path: string): Promise<void>;
  /** Whether process `pid` of this host is alive. */
  alive(pid: number): Promise<boolean>;
}

/** Takes the lock at `path` (its directory exists), or names its holder. */
export async function takeLock(path: string, ops: LockOps): Promise<FileLock | { held: false; holder: string }> {
  const me = `${ops.host} ${ops.pid}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await ops.createExclusive(path, `${me}\n`)) {
      return {
        held: true,
        async release() {
          if ((await ops.read(path)).trim() === me) await ops.remove(path);
        },
      };
    }
    let holder: string;
    try {
      holder = (await ops.read(path)).trim();
    } catch {
      continue; // released meanwhile: try again
    }
    const [host, pid] = holder.split(' ');
    if (host !== ops.host || (Number(pid) > 0 && (await ops.alive(Number(pid))))) return { held: false, holder };
    await ops.remove(path); // stale: its process on this host is gone
  }
  return { held: false, holder: 'another process (the lock changed hands while it was being taken over)' };
}
