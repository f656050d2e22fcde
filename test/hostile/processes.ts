// Child processes for the hostile suite: runs `ntk-at` (dist/cli.js) or a script under a hard
// timeout (a hang is a failure, never a stuck suite), optionally sending a signal, or freezing it
// (SIGSTOP, SIGCONT) around a callback, once stderr or the files show a condition; and snapshots
// of a directory tree to prove nothing was written. A child that ends in an unhandled rejection or
// an uncaught exception is recorded (crashes()), and the suite's setup fails the case that caused it.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  /** Sends `signal` to the process group the first time `when(stderr)` is true (checked on output and every 50 ms). */
  interrupt?: { signal: NodeJS.Signals; when: (err: string) => boolean };
  /**
   * Freezes the process group (SIGSTOP) the first time `when(stderr)` is true, runs `then` (e.g.
   * to read or change its files while nothing of it runs), and lets it go on (SIGCONT).
   */
  pause?: { when: (err: string) => boolean; then: () => void | Promise<void> };
  /** Runs the child under this command (e.g. ['setpriv', '--reuid=65534', ...]), which then runs node. */
  prefix?: string[];
  /**
   * Called once the child is started with a function that signals its process group (for conditions
   * stderr cannot show in time), and one that signals the child alone (as a supervisor or kill PID does).
   */
  onStart?: (signalGroup: (signal: NodeJS.Signals) => void, signalProcess: (signal: NodeJS.Signals) => void) => void;
}

/** What Node prints when a process dies of an unhandled rejection or an uncaught exception (its stack, then its version). */
const CRASH = /triggerUncaughtException|UnhandledPromiseRejection|\n\s+at [^\n]+\n[\s\S]*Node\.js v\d+\.\d+\.\d+\s*$/;
const crashed: string[] = [];

/** The stderr of every child that crashed since the last call (and forgets them). */
export function crashes(): string[] {
  return crashed.splice(0, crashed.length);
}

/** Runs `node <script> ...args`; resolves when it exits or, after `timeoutMs`, is killed (timedOut). */
export function runNode(script: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  const start = Date.now();
  // Its own process group, signalled as a whole like a terminal's Ctrl-C (the CLI runs its work in a child process).
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, script, ...args];
  const child = spawn(command, rest, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // the group has exited
    }
  };
  const signalProcess = (signal: NodeJS.Signals) => {
    try {
      process.kill(child.pid as number, signal);
    } catch {
      // it has exited
    }
  };
  options.onStart?.(signalGroup, signalProcess);
  let out = '';
  let err = '';
  let timedOut = false;
  let sent = false;
  let paused = false;
  const poke = () => {
    if (options.interrupt && !sent && options.interrupt.when(err)) {
      sent = true;
      signalGroup(options.interrupt.signal);
    }
    if (options.pause && !paused && options.pause.when(err)) {
      paused = true;
      signalGroup('SIGSTOP');
      void Promise.resolve()
        .then(options.pause.then)
        .finally(() => signalGroup('SIGCONT'));
    }
  };
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
    poke();
  });
  const poll = setInterval(poke, 50);
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      signalGroup('SIGKILL'); // nothing of the group outlives the case
      clearTimeout(timer);
      clearInterval(poll);
      if (CRASH.test(err)) crashed.push(`node ${[script, ...args].join(' ')}:\n${err.slice(-2000)}`);
      resolve({ code, signal, out, err, timedOut, ms: Date.now() - start });
    });
  });
}

export const cli = (args: string[], options?: RunOptions) => runNode(CLI, args, options);

/** Path -> SHA-256 of every file under `dir` (directories as entries too), or {} if it does not exist. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else {
        out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    }
  };
  walk(dir);
  return out;
}
