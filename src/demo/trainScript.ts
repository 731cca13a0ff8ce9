/**
 * The demo project's training program (its `train.mjs` imports this). Started by `mltrack run` or
 * `mltrack projects run`, it logs into the run they created, found through MLFLOW_RUN_ID and
 * MLFLOW_TRACKING_URI exactly as MLflow's Python client would; the launcher ends the run.
 */
import { join } from 'node:path';
import { startRun } from '../api/fluent.js';
import { parseTrainArgs, trainOneRun } from './trainRun.js';

const params = parseTrainArgs(process.argv.slice(2));
const run = await startRun();
const final = await trainOneRun(run, params, join(process.cwd(), 'data', 'iris.csv'));
console.log(`epoch ${final.epoch}: val_accuracy ${final.valAccuracy.toFixed(3)}, val_loss ${final.valLoss.toFixed(4)}`);
