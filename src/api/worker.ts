/**
 * Training sessions that run in a Worker (browser, Deno, Node worker_threads) and stream events
 * back: the session, the Worker side (`ntk-at/worker` runs exposeSession) and the caller's side.
 * @module worker
 */

export {
  TrainingSession, resolveRequest, DEFAULT_SESSION_REQUEST, type SessionRequest, type SessionData, type SessionEvent, type SessionListener,
} from '../worker/session.js';
export { exposeSession } from '../worker/expose.js';
export { connectSession, runRemote } from '../worker/client.js';
