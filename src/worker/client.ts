// The caller's side of the session API: a comlink proxy of the session served by a Worker (see
// exposeSession); event listeners cross the thread boundary as comlink proxies. A pending run never
// hangs: it rejects with a typed error at once when the caller aborts it (the worker then stops
// after its current step), terminates the session, or the worker exits or fails by itself.

import { proxy, wrap, type Endpoint, type Remote } from 'comlink';
import { NtkError } from '../errors.js';
import { currentPlatform } from '../platform/index.js';
import type { RunResult } from '../run/orchestrator.js';
import type { PartialRecipe } from '../run/recipe.js';
import type { ServedSession } from './expose.js';
import type { SessionListener, SessionOptions } from './session.js';
import { installErrorTransfer } from './transfer.js';

/** The caller's handle of a session served in a Worker (see connectSession). */
export type RemoteSession = Remote<ServedSession>;

interface Connection {
  worker: { terminate(): unknown };
  /** Rejects every pending run of this session. */
  pending: Set<(error: NtkError) => void>;
  /** The run in the worker, settled or not (terminate waits for it: Dawn aborts if killed mid-work). */
  inFlight: Promise<unknown>;
  /** Set once the worker is gone or terminated: later runs reject at once. */
  gone: NtkError | null;
}

const connections = new WeakMap<object, Connection>();

/** Longest wait for a cancelled run to free the device before its worker is terminated anyway. */
const TERMINATE_GRACE_MS = 30_000;

/**
 * The remote session of `worker` (a Worker running exposeSession, e.g. dist/worker.js: a module
 * Worker in browsers and Deno, a worker_threads Worker in Node).
 */
export async function connectSession(worker: unknown): Promise<RemoteSession> {
  installErrorTransfer();
  const platform = currentPlatform();
  const session = wrap<ServedSession>((await platform.workerEndpoint(worker)) as Endpoint);
  const connection: Connection = { worker: worker as Connection['worker'], pending: new Set(), inFlight: Promise.resolve(), gone: null };
  platform.watchWorker(worker, (reason) =>
    end(connection, new NtkError('E_WORKER_EXITED', `the session's worker ${reason}; start a new worker and session.`, { reason })),
  );
  connections.set(session, connection);
  return session;
}

function end(connection: Connection, error: NtkError): void {
  connection.gone ??= error;
  for (const reject of connection.pending) reject(connection.gone);
  connection.pending.clear();
}

function cancelled(how: string): NtkError {
  return new NtkError('E_CANCELLED', `the training session was cancelled ${how}.`);
}

export interface RemoteRunOptions extends SessionOptions {
  /** Aborting rejects the run with E_CANCELLED at once; the worker stops it after its current step. */
  signal?: AbortSignal;
}

/** Runs `recipe` on a remote session, delivering its events to `onEvent` on this thread. */
export function runRemote(
  session: RemoteSession,
  recipe: PartialRecipe,
  onEvent: SessionListener,
  options: RemoteRunOptions = {},
): Promise<RunResult> {
  const connection = connections.get(session);
  if (!connection) return Promise.reject(new NtkError('E_INVALID_ARGUMENT', 'runRemote: the session was not made by connectSession.'));
  if (connection.gone) return Promise.reject(connection.gone);
  const { signal, ...sessionOptions } = options;
  if (signal?.aborted) return Promise.reject(cancelled('before it started'));
  return new Promise<RunResult>((resolve, reject) => {
    const settle = () => {
      connection.pending.delete(fail);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: NtkError) => {
      settle();
      reject(error);
    };
    const onAbort = () => {
      fail(cancelled('by its AbortSignal'));
      session.cancel().catch(() => undefined);
    };
    connection.pending.add(fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    const run = session.run(recipe, proxy(onEvent), sessionOptions);
    connection.inFlight = run.catch(() => undefined);
    run.then(
      (result) => {
        settle();
        resolve(result);
      },
      (error) => {
        settle();
        reject(error);
      },
    );
  });
}

/**
 * Ends the session: pending runs reject with E_CANCELLED at once, the running request is cancelled,
 * and once it has freed the device (or after 30 s) the worker is terminated.
 */
export async function terminateSession(session: RemoteSession): Promise<void> {
  const connection = connections.get(session);
  if (!connection) return;
  const wasGone = connection.gone !== null;
  end(connection, cancelled('by terminateSession'));
  if (!wasGone) {
    await session.cancel().catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      connection.inFlight,
      new Promise((resolve) => {
        timer = setTimeout(resolve, TERMINATE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  await connection.worker.terminate();
}
