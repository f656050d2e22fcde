// The CLI's names for rebuilding a trained model; the model registry lives in src/run/models.ts
// (shared by the orchestrator, the worker session and the page).

export {
  buildModel,
  MODELS as MODEL_KINDS,
  modelEntry as modelKind,
  type BuiltModelRecipe as ModelRecipe,
  type ModelData,
} from '../run/models.js';
