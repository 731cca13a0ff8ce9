import { describe, it, expect } from 'vitest';
import { loadIris, trainValidationSplit } from '../../src/demo/dataset.js';
import {
  evaluate,
  modelFromJSON,
  modelToJSON,
  predict,
  train,
  type EpochMetrics,
  type TrainParams,
} from '../../src/demo/softmaxRegression.js';

const split = trainValidationSplit(loadIris(), { seed: 42 });
const params: TrainParams = { learningRate: 0.5, epochs: 30, batchSize: 16, l2: 0.001, seed: 42 };

describe('softmax regression', () => {
  it('learns iris: validation accuracy above 0.9 and a falling loss', async () => {
    const { finalMetrics, history } = await train(split, params);
    expect(finalMetrics.valAccuracy).toBeGreaterThan(0.9);
    expect(finalMetrics.trainAccuracy).toBeGreaterThan(0.9);
    expect(history[history.length - 1].trainLoss).toBeLessThan(history[0].trainLoss);
    expect(history[history.length - 1].valLoss).toBeLessThan(history[0].valLoss);
    // Chance level for 3 balanced classes is ln 3 ≈ 1.1; a trained model should be far below.
    expect(finalMetrics.trainLoss).toBeLessThan(0.3);
  });

  it('calls onEpoch once per epoch, in order, with finite numbers, and awaits it', async () => {
    const seen: EpochMetrics[] = [];
    let pending = 0;
    await train(split, { ...params, epochs: 12 }, async (metrics) => {
      expect(pending).toBe(0);
      pending++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      pending--;
      seen.push(metrics);
    });
    expect(seen.map((m) => m.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const m of seen) {
      for (const value of [m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy]) {
        expect(Number.isFinite(value)).toBe(true);
      }
      expect(m.trainAccuracy).toBeGreaterThanOrEqual(0);
      expect(m.valAccuracy).toBeLessThanOrEqual(1);
    }
  });

  it('is reproducible for a seed and changes with it', async () => {
    const first = await train(split, params);
    const again = await train(split, params);
    const otherSeed = await train(split, { ...params, seed: 43 });
    expect(again.history).toEqual(first.history);
    expect(again.model).toEqual(first.model);
    expect(otherSeed.history).not.toEqual(first.history);
  });

  it('weight decay shrinks the weights', async () => {
    const norm = (weights: number[][]) => weights.flat().reduce((sum, w) => sum + w * w, 0);
    const free = await train(split, { ...params, l2: 0 });
    const decayed = await train(split, { ...params, l2: 0.05 });
    expect(norm(decayed.model.weights)).toBeLessThan(norm(free.model.weights));
  });

  it('predicts raw rows and round-trips through JSON', async () => {
    const { model, finalMetrics } = await train(split, params);
    expect(predict(model, [5.1, 3.5, 1.4, 0.2]).className).toBe('setosa');
    expect(predict(model, [7.7, 3.0, 6.1, 2.3]).className).toBe('virginica');
    const { probabilities } = predict(model, [6.0, 2.9, 4.5, 1.5]);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);

    const restored = modelFromJSON(modelToJSON(model));
    expect(restored).toEqual(model);
    expect(evaluate(restored, split.validation).accuracy).toBe(finalMetrics.valAccuracy);
    expect(() => modelFromJSON('{"kind":"other"}')).toThrow();
  });

  it('rejects invalid hyperparameters', async () => {
    await expect(train(split, { ...params, learningRate: 0 })).rejects.toThrow(/learningRate/);
    await expect(train(split, { ...params, epochs: 2.5 })).rejects.toThrow(/epochs/);
    await expect(train(split, { ...params, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(train(split, { ...params, l2: -1 })).rejects.toThrow(/l2/);
  });
});
