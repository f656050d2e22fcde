/**
 * Whole runs from one recipe (data, model, method, NTK tracking, switch rule, evaluation), as the
 * CLI, the Worker session and the live page run them: the recipe, the model and data tables, and
 * the orchestrator with its event stream.
 * @module run
 */

export {
  runRecipe,
  scheduleSpec,
  trainOptionsOf,
  type RecipeEvent,
  type RecipeListener,
  type RunOptions,
  type RunResult,
} from '../run/orchestrator.js';
export { storedRecipe, storedRun, type RunFacts, type StoredRun } from '../run/stored_run.js';
export {
  resolveRecipe,
  recipeThreats,
  runThreatModel,
  DEFAULT_RECIPE,
  SCHEDULE_KINDS,
  NTK_ATTACKS,
  NTK_KERNELS,
  SWITCH_RULES,
  CO_MONITOR_MODES,
  type RunRecipe,
  type PartialRecipe,
  type ModelSpec,
  type AttackSpec,
  type TrainingSpec,
  type NtkSpec,
  type SwitchSpec,
  type EvaluationSpec,
} from '../run/recipe.js';
export { MODELS, MODEL_KIND_NAMES, modelEntry, buildModel, type ModelEntry, type ModelData, type BuiltModelRecipe } from '../run/models.js';
export {
  DATA_SETS,
  DATA_SET_NAMES,
  DATA_FALLBACKS,
  DEFAULT_DATA_RECIPE,
  dataSet,
  loadRunData,
  type DataSetEntry,
  type DataRecipe,
  type RunData,
  type DataFallback,
} from '../run/data.js';
