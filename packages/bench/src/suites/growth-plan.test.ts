import { describe, expect, it } from 'vitest';
import { planBatches, stageEnds } from './growth-plan.js';

describe('stageEnds', () => {
  it('ends the stages at 25, 50, 75 and 100% of the stream, rounded', () => {
    expect(stageEnds(340_479)).toEqual([85_120, 170_240, 255_359, 340_479]);
    expect(stageEnds(40_000)).toEqual([10_000, 20_000, 30_000, 40_000]);
  });

  it('rejects fractions that leave a stage empty, do not end at 1, or an empty stream', () => {
    expect(() => stageEnds(3)).toThrow(RangeError);
    expect(() => stageEnds(100, [0.5, 0.9])).toThrow(RangeError);
    expect(() => stageEnds(100, [0.5, 0.25, 1])).toThrow(RangeError);
    expect(() => stageEnds(0)).toThrow(RangeError);
  });
});

describe('planBatches', () => {
  it('covers the stream in order with batches no larger than the batch size', () => {
    const batches = planBatches(stageEnds(340_479), 10_000);
    expect(batches[0]).toEqual({ start: 0, end: 10_000, stage: 0, endsStage: false });
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.start).toBe(batches[i - 1]!.end);
    expect(batches[batches.length - 1]!.end).toBe(340_479);
    expect(Math.max(...batches.map((b) => b.end - b.start))).toBeLessThanOrEqual(10_000);
  });

  it('cuts the batch that crosses a stage end, and marks the last batch of every stage', () => {
    const batches = planBatches([25, 50], 10);
    expect(batches.map((b) => [b.start, b.end, b.stage, b.endsStage])).toEqual([
      [0, 10, 0, false],
      [10, 20, 0, false],
      [20, 25, 0, true],
      [25, 35, 1, false],
      [35, 45, 1, false],
      [45, 50, 1, true],
    ]);
  });

  it('rejects a batch size below 1 and stage ends that do not increase', () => {
    expect(() => planBatches([10], 0)).toThrow(RangeError);
    expect(() => planBatches([10, 10], 5)).toThrow(RangeError);
    expect(() => planBatches([0], 5)).toThrow(RangeError);
  });
});
