/**
 * Where the time of a V8 CPU profile (`.cpuprofile`, from `node --cpu-prof`
 * or the inspector's Profiler) goes: self and inclusive time per function.
 */

/** The parts of the `.cpuprofile` format this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  /** Node id hit by each sample. */
  samples: number[];
  /** Microseconds from the previous sample to this one (the first from `startTime`). */
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface FunctionTime {
  /** `name file:line` (file without its folder; line 1-based). */
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time with the function on top of the stack, most first. */
  self: FunctionTime[];
  /** Time with the function anywhere on the stack (counted once per sample under recursion), most first. */
  inclusive: FunctionTime[];
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.slice(frame.url.lastIndexOf('/') + 1);
  const where = file ? ` ${file}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

const ranked = (times: Map<string, number>, totalMs: number): FunctionTime[] =>
  [...times.entries()].map(([name, ms]) => ({ name, ms, share: totalMs > 0 ? ms / totalMs : 0 })).sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));

/**
 * Sample i lasts until sample i + 1 (the time delta that follows it), as
 * Chrome's DevTools count it; the last sample has no length.
 * @throws RangeError when samples and time deltas differ in length or a sample names no node.
 */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  if (profile.samples.length !== profile.timeDeltas.length)
    throw new RangeError(`${profile.samples.length} samples but ${profile.timeDeltas.length} time deltas`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i]!;
    const node = byId.get(id);
    if (!node) throw new RangeError(`sample ${i} names node ${id}, which the profile does not have`);
    totalMs += ms;
    const top = frameName(node.callFrame);
    self.set(top, (self.get(top) ?? 0) + ms);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(frameName(byId.get(at)!.callFrame));
    for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
  }
  return { totalMs, self: ranked(self, totalMs), inclusive: ranked(inclusive, totalMs) };
}
