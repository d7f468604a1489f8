// The operations of glossary-writer.mjs, shared with the test that predicts the glossary.
export const AGENT = 'durable-agent';

const WORDS = ['kernel', 'packet', 'router', 'token', 'cache', 'thread', 'socket', 'buffer', 'daemon', 'shell'];

/** Operation n: memorize term-n; every 5th also forgets term-(n-3) first. */
export function operationOf(n) {
  return {
    memorize: {
      key: `Term-${n}`,
      value: `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} definition number ${n}`,
      agentId: AGENT,
      aliases: [`t${n}`],
    },
    forget: n % 5 === 0 && n >= 3 ? `term-${n - 3}` : undefined,
  };
}

/** Keys (lowercased) present after operations 0..last. */
export function keysAfter(last) {
  const keys = new Set();
  for (let n = 0; n <= last; n++) {
    const op = operationOf(n);
    if (op.forget !== undefined) keys.delete(op.forget);
    keys.add(op.memorize.key.toLowerCase());
  }
  return keys;
}
