/**
 * One run of the demo: train the softmax regression with the given hyperparameters and log it
 * into `run`: params, the dataset input with its digest, per-epoch metrics, the model directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActiveRun } from '../api/ActiveRun.js';
import { contentDigest } from '../api/datasetDigest.js';
import { loadIris, trainValidationSplit } from './dataset.js';
import { DEFAULT_TRAIN_PARAMS, modelToJSON, train, type EpochMetrics, type TrainParams } from './softmaxRegression.js';

/** `dataFile` is the project's copy of the data, recorded relative to the project as `data/iris.csv`. */
export async function trainOneRun(run: ActiveRun, params: TrainParams, dataFile: string): Promise<EpochMetrics> {
  await run.setTags({ model_type: 'softmax-regression', dataset: 'iris' });
  await run.logParams({ epochs: params.epochs, batch_size: params.batchSize, seed: params.seed });
  await run.logInput(
    { name: 'iris', digest: contentDigest(dataFile), sourceType: 'local', source: JSON.stringify({ uri: 'data/iris.csv' }), schema: null, profile: JSON.stringify({ num_rows: 150, num_features: 4 }) },
    'training',
  );
  const split = trainValidationSplit(loadIris(), { seed: 42, validationFraction: 0.2 });
  const trained = await train(split, params, async (m) => {
    await run.logMetrics({ train_loss: m.trainLoss, train_accuracy: m.trainAccuracy, val_loss: m.valLoss, val_accuracy: m.valAccuracy }, { step: m.epoch });
  });
  const modelDir = mkdtempSync(join(tmpdir(), 'mltrack-demo-model-'));
  try {
    writeFileSync(join(modelDir, 'model.json'), modelToJSON(trained.model));
    await run.logModel(modelDir, {
      flavors: { mltrack_softmax: { model_file: 'model.json', classes: trained.model.classes, features: trained.model.featureNames } },
      signature: {
        inputs: JSON.stringify(trained.model.featureNames.map((name) => ({ type: 'double', name, required: true }))),
        outputs: JSON.stringify([{ type: 'string', name: 'species', required: true }]),
      },
    });
  } finally {
    rmSync(modelDir, { recursive: true, force: true });
  }
  return trained.finalMetrics;
}

/** `--learning-rate 0.1 --l2 0.001 [--epochs 30]` from a command line. */
export function parseTrainArgs(argv: string[]): TrainParams {
  const params = { ...DEFAULT_TRAIN_PARAMS };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--learning-rate') params.learningRate = value;
    else if (argv[i] === '--l2') params.l2 = value;
    else if (argv[i] === '--epochs') params.epochs = value;
    else throw new Error(`unknown argument ${argv[i]} (use --learning-rate, --l2, --epochs)`);
  }
  return params;
}
