/**
 * Checks HTTP exchanges against Qdrant's own OpenAPI description with ajv, for
 * the offline wire-contract tests. Test-only (ajv is a dependency of this private package only).
 *
 * The description is OpenAPI 3.0, not plain JSON Schema, so it is adapted once:
 * `{ "nullable": true }` on its own (OpenAPI's "or null" inside `anyOf`)
 * becomes `{ "type": "null" }`, and Qdrant's numeric formats (`uint64`,
 * `float`, ...) are registered with their ranges. Every `$ref` into
 * `#/components/schemas/...` resolves because the whole document is added to
 * ajv under one id.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import * as formatsModule from 'ajv-formats';
import type { RecordedRequest } from './emulator.js';

type Json = any;

const DOC_ID = 'qdrant-openapi.json';

/** The description's operations, with compiled validators. */
export interface OpenApiContract {
  /** `METHOD /path/{param}` → operation id, for every operation of the description. */
  operations: Map<string, { method: string; path: string }>;
  /** Problems with one request (query parameters and body) of a known operation. */
  checkRequest(req: RecordedRequest): string[];
  /** Problems with one 200 response body. */
  checkResponse(operationId: string, status: number, body: unknown): string[];
  /** Problems with `value` as an instance of `#/components/schemas/{name}`. */
  checkSchema(name: string, value: unknown): string[];
}

function adapt(node: Json): Json {
  if (Array.isArray(node)) return node.map(adapt);
  if (!node || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (node.nullable === true && node.type === undefined && node.$ref === undefined && node.anyOf === undefined && node.oneOf === undefined) {
    const rest = Object.fromEntries(keys.filter((k) => k !== 'nullable').map((k) => [k, adapt(node[k])]));
    return { ...rest, type: 'null' };
  }
  const out: Json = {};
  for (const k of keys) {
    // Refs of inline schemas point into the document added under DOC_ID.
    out[k] = k === '$ref' && typeof node[k] === 'string' && node[k].startsWith('#/') ? `${DOC_ID}${node[k]}` : adapt(node[k]);
  }
  return out;
}

const INTEGER_FORMATS: Record<string, [number, number]> = {
  uint: [0, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint32: [0, 0xffff_ffff],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function messages(v: ValidateFunction): string[] {
  return (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function coerceQuery(value: string, schema: Json): unknown {
  const type = schema?.type;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (type === 'integer' || type === 'number') return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  return value;
}

/** Builds the validators from the parsed `openapi.json`. */
export function createOpenApiContract(document: Json): OpenApiContract {
  const addFormats = ((formatsModule as Json).default ?? formatsModule) as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const [name, [min, max]] of Object.entries(INTEGER_FORMATS)) {
    ajv.addFormat(name, { type: 'number', validate: (x: number) => Number.isInteger(x) && x >= min && x <= max });
  }
  ajv.addFormat('float', { type: 'number', validate: (x: number) => Number.isFinite(x) && Math.abs(x) <= 3.4028234663852886e38 });
  ajv.addFormat('double', { type: 'number', validate: (x: number) => Number.isFinite(x) });
  ajv.addFormat('partial-date-time', () => true);
  const doc = adapt(document);
  ajv.addSchema(doc, DOC_ID);

  const operations = new Map<string, { method: string; path: string }>();
  const bodies = new Map<string, ValidateFunction>();
  const queries = new Map<string, Map<string, ValidateFunction>>();
  const responses = new Map<string, ValidateFunction>();
  for (const [path, ops] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(ops)) {
      if (!op?.operationId) continue;
      operations.set(op.operationId, { method: method.toUpperCase(), path });
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) bodies.set(op.operationId, ajv.compile(body));
      const q = new Map<string, ValidateFunction>();
      for (const p of op.parameters ?? []) if (p.in === 'query') q.set(p.name, ajv.compile(p.schema ?? {}));
      queries.set(op.operationId, q);
      const ok = op.responses?.['200']?.content?.['application/json']?.schema;
      if (ok) responses.set(op.operationId, ajv.compile(ok));
    }
  }

  return {
    operations,
    checkRequest(req) {
      if (!req.operationId) return [`unknown route ${req.method} ${req.path}`];
      const problems: string[] = [];
      const q = queries.get(req.operationId) ?? new Map<string, ValidateFunction>();
      const declared = (document.paths as Json)[operations.get(req.operationId)!.path];
      const params: Json[] = declared[operations.get(req.operationId)!.method.toLowerCase()].parameters ?? [];
      for (const [name, raw] of Object.entries(req.query)) {
        const v = q.get(name);
        if (!v) {
          problems.push(`query parameter "${name}" is not declared`);
          continue;
        }
        const schema = params.find((p) => p.name === name)?.schema;
        if (!v(coerceQuery(raw, schema))) problems.push(...messages(v).map((m) => `query ${name}: ${m}`));
      }
      const bodyValidator = bodies.get(req.operationId);
      if (bodyValidator) {
        if (req.body === undefined) problems.push('missing JSON body');
        else if (!bodyValidator(req.body)) problems.push(...messages(bodyValidator).map((m) => `body ${m}`));
      }
      return problems;
    },
    checkResponse(operationId, status, body) {
      const v = responses.get(operationId);
      if (status !== 200 || !v) return [];
      return v(body) ? [] : messages(v);
    },
    checkSchema(name, value) {
      const v = ajv.getSchema(`${DOC_ID}#/components/schemas/${name}`);
      if (!v) return [`no schema named ${name}`];
      return v(value) ? [] : messages(v);
    },
  };
}
