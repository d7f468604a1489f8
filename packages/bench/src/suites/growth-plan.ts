/**
 * How the growth suite feeds a stream: the item counts at which a stage ends,
 * and the add batches, cut so that no batch crosses the end of a stage (every
 * stage is measured on exactly the items that arrived by then).
 */

/** The stages of growth the suite measures at, as fractions of the stream. */
export const STAGE_FRACTIONS = [0.25, 0.5, 0.75, 1] as const;

/** One `add` call: items `[start, end)` of the stream, in stage `stage`. */
export interface PlannedBatch {
  start: number;
  end: number;
  stage: number;
  /** True for the last batch of its stage: the stage is measured after it. */
  endsStage: boolean;
}

/**
 * Item counts at which each stage ends: `round(fraction * n)`, strictly
 * increasing, the last one `n`.
 * @throws RangeError for n < 1, or fractions that are not increasing in (0, 1] and ending at 1.
 */
export function stageEnds(n: number, fractions: readonly number[] = STAGE_FRACTIONS): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`stream size must be a positive integer, got ${n}`);
  if (fractions.length === 0 || fractions[fractions.length - 1] !== 1) throw new RangeError(`stage fractions must end at 1, got [${fractions.join(', ')}]`);
  const ends = fractions.map((f) => Math.round(f * n));
  for (let s = 0; s < ends.length; s++) {
    if (!(fractions[s]! > 0) || ends[s]! <= (s === 0 ? 0 : ends[s - 1]!)) {
      throw new RangeError(`stage fractions [${fractions.join(', ')}] give empty or unordered stages of ${n} items`);
    }
  }
  return ends;
}

/**
 * Batches of at most `batchSize` items covering `[0, ends[last])` in order;
 * a batch that would cross a stage end is cut there.
 * @throws RangeError for a batch size < 1 or stage ends that are not strictly increasing positive integers.
 */
export function planBatches(ends: readonly number[], batchSize: number): PlannedBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const batches: PlannedBatch[] = [];
  let start = 0;
  ends.forEach((stageEnd, stage) => {
    if (!Number.isInteger(stageEnd) || stageEnd <= start) throw new RangeError(`stage ends must be increasing positive integers, got [${ends.join(', ')}]`);
    while (start < stageEnd) {
      const end = Math.min(start + batchSize, stageEnd);
      batches.push({ start, end, stage, endsStage: end === stageEnd });
      start = end;
    }
  });
  return batches;
}
