/**
 * Multinomial logistic (softmax) regression trained with mini-batch gradient descent. Small on
 * purpose: the demo trains a grid of these in milliseconds, yet the learning rate and weight decay
 * visibly change the curves. Knows nothing about tracking; it reports through `onEpoch`.
 */
import {
  fitStandardizer,
  mulberry32,
  shuffleInPlace,
  standardize,
  standardizeRow,
  type Dataset,
  type TrainValidationSplit,
} from './dataset.js';

export interface TrainParams {
  learningRate: number;
  epochs: number;
  batchSize: number;
  /** L2 weight decay on the weights (not the biases). */
  l2: number;
  /** Seeds weight initialisation and the per-epoch shuffle. */
  seed: number;
}

export const DEFAULT_TRAIN_PARAMS: TrainParams = {
  learningRate: 0.1,
  epochs: 30,
  batchSize: 16,
  l2: 0,
  seed: 42,
};

export interface EpochMetrics {
  /** 1-based, so the last epoch's number equals `params.epochs`. */
  epoch: number;
  /** Mean cross-entropy over the whole set after the epoch (without the L2 penalty). */
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export type OnEpoch = (metrics: EpochMetrics) => void | Promise<void>;

export interface SoftmaxModel {
  kind: 'softmax-regression';
  classes: string[];
  featureNames: string[];
  /** weights[classIndex][featureIndex], applied to standardised features. */
  weights: number[][];
  biases: number[];
  /** Standardisation fitted on the training rows; `predict` applies it to raw rows. */
  featureMeans: number[];
  featureStds: number[];
}

export interface TrainResult {
  model: SoftmaxModel;
  finalMetrics: EpochMetrics;
  history: EpochMetrics[];
}

export interface Prediction {
  classIndex: number;
  className: string;
  probabilities: number[];
}

export function validateParams(params: TrainParams): void {
  const { learningRate, epochs, batchSize, l2, seed } = params;
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new Error(`learningRate must be a positive number, got ${learningRate}`);
  }
  if (!(Number.isInteger(epochs) && epochs >= 1)) {
    throw new Error(`epochs must be a positive integer, got ${epochs}`);
  }
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`l2 must be >= 0, got ${l2}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
}

/**
 * Train on `data.train`, evaluating on both parts after every epoch. `onEpoch` is awaited, so a
 * caller may write metrics to disk before the next epoch starts.
 */
export async function train(
  data: TrainValidationSplit,
  params: TrainParams,
  onEpoch?: OnEpoch,
): Promise<TrainResult> {
  validateParams(params);
  const { train: trainSet, validation: validationSet } = data;
  if (trainSet.features.length === 0 || validationSet.features.length === 0) {
    throw new Error('training and validation sets must both be non-empty');
  }
  const classCount = trainSet.classes.length;
  const featureCount = trainSet.featureNames.length;
  const standardizer = fitStandardizer(trainSet.features);
  const trainX = standardize(trainSet.features, standardizer);
  const validationX = standardize(validationSet.features, standardizer);

  const random = mulberry32(params.seed);
  // Softmax regression is convex, so small random weights only make the seed matter, not converge.
  const weights = Array.from({ length: classCount }, () =>
    Array.from({ length: featureCount }, () => (random() - 0.5) * 0.02),
  );
  const biases = new Array<number>(classCount).fill(0);
  const model: SoftmaxModel = {
    kind: 'softmax-regression',
    classes: trainSet.classes.slice(),
    featureNames: trainSet.featureNames.slice(),
    weights,
    biases,
    featureMeans: standardizer.means,
    featureStds: standardizer.stds,
  };

  const order = trainX.map((_, index) => index);
  const weightGradient = weights.map((row) => row.map(() => 0));
  const biasGradient = new Array<number>(classCount).fill(0);
  const history: EpochMetrics[] = [];

  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let start = 0; start < order.length; start += params.batchSize) {
      const batch = order.slice(start, start + params.batchSize);
      for (const row of weightGradient) row.fill(0);
      biasGradient.fill(0);
      for (const index of batch) {
        const x = trainX[index];
        const probabilities = softmax(logits(weights, biases, x));
        // d(cross-entropy)/d(logit_c) = p_c - [c is the true class]
        probabilities[trainSet.labels[index]] -= 1;
        for (let c = 0; c < classCount; c++) {
          biasGradient[c] += probabilities[c];
          for (let f = 0; f < featureCount; f++) weightGradient[c][f] += probabilities[c] * x[f];
        }
      }
      const step = params.learningRate / batch.length;
      for (let c = 0; c < classCount; c++) {
        biases[c] -= step * biasGradient[c];
        for (let f = 0; f < featureCount; f++) {
          weights[c][f] -= step * weightGradient[c][f] + params.learningRate * params.l2 * weights[c][f];
        }
      }
    }

    const trainScore = score(weights, biases, trainX, trainSet.labels);
    const validationScore = score(weights, biases, validationX, validationSet.labels);
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: trainScore.loss,
      trainAccuracy: trainScore.accuracy,
      valLoss: validationScore.loss,
      valAccuracy: validationScore.accuracy,
    };
    history.push(metrics);
    if (onEpoch) await onEpoch(metrics);
  }

  return { model, finalMetrics: history[history.length - 1], history };
}

function logits(weights: number[][], biases: number[], x: number[]): number[] {
  return weights.map((row, c) => {
    let sum = biases[c];
    for (let f = 0; f < x.length; f++) sum += row[f] * x[f];
    return sum;
  });
}

function softmax(values: number[]): number[] {
  // Subtracting the max keeps exp() from overflowing without changing the result.
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

/** Cross-entropy as logsumexp(z) - z_true: exact, and finite even when a probability underflows. */
function crossEntropy(z: number[], label: number): number {
  const max = Math.max(...z);
  const logSumExp = max + Math.log(z.reduce((sum, value) => sum + Math.exp(value - max), 0));
  return logSumExp - z[label];
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function score(
  weights: number[][],
  biases: number[],
  standardizedRows: number[][],
  labels: number[],
): { loss: number; accuracy: number } {
  let totalLoss = 0;
  let correct = 0;
  standardizedRows.forEach((x, i) => {
    const z = logits(weights, biases, x);
    totalLoss += crossEntropy(z, labels[i]);
    if (argmax(z) === labels[i]) correct++;
  });
  return { loss: totalLoss / labels.length, accuracy: correct / labels.length };
}

/** Class probabilities for one raw (unstandardised) feature row. */
export function predictProbabilities(model: SoftmaxModel, row: number[]): number[] {
  if (row.length !== model.featureNames.length) {
    throw new Error(`expected ${model.featureNames.length} features, got ${row.length}`);
  }
  const x = standardizeRow(row, { means: model.featureMeans, stds: model.featureStds });
  return softmax(logits(model.weights, model.biases, x));
}

export function predict(model: SoftmaxModel, row: number[]): Prediction {
  const probabilities = predictProbabilities(model, row);
  const classIndex = argmax(probabilities);
  return { classIndex, className: model.classes[classIndex], probabilities };
}

/** Loss and accuracy of a trained model on any dataset with raw features. */
export function evaluate(model: SoftmaxModel, data: Dataset): { loss: number; accuracy: number } {
  const standardizer = { means: model.featureMeans, stds: model.featureStds };
  return score(model.weights, model.biases, standardize(data.features, standardizer), data.labels);
}

/** Pretty JSON for saving the model as a run artifact; `modelFromJSON` reads it back. */
export function modelToJSON(model: SoftmaxModel): string {
  return JSON.stringify(model, null, 2) + '\n';
}

export function modelFromJSON(text: string): SoftmaxModel {
  const parsed = JSON.parse(text) as Partial<SoftmaxModel>;
  const classCount = parsed.classes?.length ?? 0;
  const featureCount = parsed.featureNames?.length ?? 0;
  const shapesMatch =
    parsed.kind === 'softmax-regression' &&
    classCount > 0 &&
    featureCount > 0 &&
    parsed.weights?.length === classCount &&
    parsed.weights.every((row) => row.length === featureCount) &&
    parsed.biases?.length === classCount &&
    parsed.featureMeans?.length === featureCount &&
    parsed.featureStds?.length === featureCount;
  if (!shapesMatch) throw new Error('not a softmax-regression model, or its shapes do not match');
  return parsed as SoftmaxModel;
}
