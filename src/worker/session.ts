// A training session for whatever context runs it (a Worker through comlink, or the caller's own):
// one run recipe -> runRecipe (src/run/orchestrator.ts), every stage reported to the caller's
// listener as a plain, structured-clonable event. No wiring of its own: the session is an adapter.

import type { AdapterChoice } from '../platform/index.js';
import { runRecipe, type RecipeEvent, type RecipeListener, type RunResult } from '../run/orchestrator.js';
import type { PartialRecipe } from '../run/recipe.js';

/** The events of a session run, in order: adapter, data, then step/epoch/kernel, and done (or error). */
export type SessionEvent = RecipeEvent;
/** Receives a session's events (across a Worker boundary through comlink). */
export type SessionListener = RecipeListener;

/** Where and how a session runs (the recipe says what). */
export interface SessionOptions {
  /** Adapter to acquire in the session's context (default: the platform's policy). */
  adapter?: AdapterChoice;
  /** Run directory to write (Node and Deno workers; a browser stores files in IndexedDB); default none. */
  outDir?: string | null;
  /** Aborting stops the run after its current step with E_CANCELLED (see RunOptions.signal). */
  signal?: AbortSignal;
}

/** Trains an MLP with NTK tracking from one request and reports events; served in a Worker by exposeSession. */
export class TrainingSession {
  /**
   * Runs one recipe to the end, reporting through `onEvent`; resolves to the run's result (final
   * evaluation, epochs, checkpoint bytes, log). A bad recipe or a failure is reported as a fatal
   * `error` event and rethrown (NtkError messages start with `[CODE]`); a listener that throws is
   * reported as a non-fatal `error` event and the run goes on.
   */
  run(recipe: PartialRecipe, onEvent: SessionListener, options: SessionOptions = {}): Promise<RunResult> {
    return runRecipe(recipe, {
      onEvent,
      adapter: options.adapter,
      outDir: options.outDir ?? null,
      command: 'worker',
      signal: options.signal ?? null,
    });
  }
}
