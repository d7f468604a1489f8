/**
 * The shape of each Qdrant reply this backend reads, checked before use. The
 * REST client unwraps `result` from the body and hands it over unchecked, so
 * an HTTP 200 with another body (a proxy's page, another service, a broken
 * server) would otherwise surface later as a raw TypeError. The checks follow
 * the `result` schemas of Qdrant's OpenAPI description (the `required` fields
 * and their types, e.g. `Record`, `ScrollResult`, `UpdateResult`), no more:
 * a newer server may add fields.
 */

/** Says what is wrong with a reply, or `undefined` when it has the expected shape. */
export type ReplyShape = (value: unknown) => string | undefined;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short description of a value for an error message. */
export function describeReply(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${JSON.stringify(Object.keys(v).slice(0, 6))}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** `ExtendedPointId`: an unsigned integer or a string (a UUID). */
const isPointId = (v: unknown): boolean => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || typeof v === 'string';
/** `Payload` is an object or absent/null. */
const payloadOk = (v: unknown): boolean => v === undefined || v === null || isObject(v);

function objectWith(schema: string, fields: Record<string, (v: unknown) => boolean>): ReplyShape {
  return (value) => {
    if (!isObject(value)) return `expected ${schema} (an object), got ${describeReply(value)}`;
    for (const [key, ok] of Object.entries(fields)) {
      if (!ok(value[key])) return `expected ${schema} with a valid "${key}", got ${describeReply(value[key])}`;
    }
    return undefined;
  };
}

function arrayOf(schema: string, item: ReplyShape): ReplyShape {
  return (value) => {
    if (!Array.isArray(value)) return `expected an array of ${schema}, got ${describeReply(value)}`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i]);
      if (problem !== undefined) return `item ${i}: ${problem}`;
    }
    return undefined;
  };
}

const record = objectWith('Record', { id: isPointId, payload: payloadOk });
const scoredPoint = objectWith('ScoredPoint', { id: isPointId, score: (v) => typeof v === 'number', payload: payloadOk });
const updateResult = objectWith('UpdateResult', { status: (v) => typeof v === 'string' });
const records = arrayOf('Record', record);
const scoredPoints = arrayOf('ScoredPoint', scoredPoint);
const collectionDescriptions = arrayOf('CollectionDescription', objectWith('CollectionDescription', { name: (v) => typeof v === 'string' }));

/**
 * Reply shape of each REST client method the backend calls, by method name.
 * A method missing here cannot be called through the connection (see `connection.ts`).
 */
export const replyShapes: Readonly<Record<string, ReplyShape>> = {
  // get_collections: CollectionsResponse
  getCollections: objectWith('CollectionsResponse', { collections: (v) => collectionDescriptions(v) === undefined }),
  // collection_exists: CollectionExistence
  collectionExists: objectWith('CollectionExistence', { exists: (v) => typeof v === 'boolean' }),
  // get_collection: CollectionInfo; the backend reads config.params and payload_schema
  getCollection: objectWith('CollectionInfo', {
    config: (v) => isObject(v) && isObject(v.params),
    payload_schema: isObject,
  }),
  createCollection: (v) => (typeof v === 'boolean' ? undefined : `expected a boolean, got ${describeReply(v)}`),
  deleteCollection: (v) => (typeof v === 'boolean' ? undefined : `expected a boolean, got ${describeReply(v)}`),
  createPayloadIndex: updateResult,
  // get_points: Record[]
  retrieve: records,
  // scroll_points: ScrollResult; next_page_offset is a point id, null or absent
  scroll: objectWith('ScrollResult', {
    points: (v) => records(v) === undefined,
    next_page_offset: (v) => v === undefined || v === null || isPointId(v),
  }),
  count: objectWith('CountResult', { count: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 }),
  // query_points: QueryResponse
  query: objectWith('QueryResponse', { points: (v) => scoredPoints(v) === undefined }),
  upsert: updateResult,
  delete: updateResult,
  batchUpdate: arrayOf('UpdateResult', updateResult),
};
