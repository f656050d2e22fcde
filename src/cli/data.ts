// The CLI's names for the data of a run; the data-set registry and loader live in src/run/data.ts
// (shared by the orchestrator, the worker session and the page).

export { DATA_SET_NAMES as DATASET_CHOICES, DEFAULT_DATA_RECIPE, loadRunData, type DataRecipe, type RunData } from '../run/data.js';
