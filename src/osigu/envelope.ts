import { hasDuplicateKey } from './duplicate-keys';

/**
 * The envelope every Osigu event shares. Only what routing and deduplication need is checked
 * here; `data` is the family's business, and unknown fields are kept, because Osigu adds fields
 * without bumping `api_version`.
 */
export interface OsiguEvent {
  event_id: string;
  event_type: string;
  created_at: string;
  api_version?: string;
  environment?: string;
  data: Record<string, unknown>;
  provider?: Record<string, unknown>;
  [field: string]: unknown;
}

export type EnvelopeFailureCode = 'invalid_utf8' | 'invalid_json' | 'duplicate_key' | 'invalid_envelope';

export interface EnvelopeFailure {
  ok: false;
  code: EnvelopeFailureCode;
  /** Names the field and the rule; never echoes a value, which may be PHI. */
  detail: string;
}

export type EnvelopeParse = { ok: true; event: OsiguEvent } | EnvelopeFailure;

// A first, coarse bound on ids (printable ASCII without spaces, 255 at most): anything else is
// refused 400. An event_id inside it but outside the id grammar (src/osigu/ids.ts) is accepted and
// processed under its keyed hash (flag event_id_hashed), never written anywhere in clear.
const ID = /^[\x21-\x7e]{1,255}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const ENVIRONMENT = /^[a-z][a-z0-9_-]{0,31}$/;
/** Deeper than any real event; deep enough nesting overflows the stack of Temporal's JSON encoder. */
export const MAX_DEPTH = 64;

// `fatal` makes invalid UTF-8 an error instead of silently becoming U+FFFD, which would alter
// ids and names without anyone noticing.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Date.parse` rolls 2026-02-30 over to March; a real calendar date must survive the round trip. */
function isCalendarTimestamp(value: string): boolean {
  const match = RFC3339.exec(value);
  if (match === null || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Iterative, so a hostile nesting cannot overflow our own stack while we measure it. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

function invalid(detail: string): EnvelopeFailure {
  return { ok: false, code: 'invalid_envelope', detail };
}

export function parseEnvelope(body: Uint8Array): EnvelopeParse {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, code: 'invalid_utf8', detail: 'body is not valid UTF-8' };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message carries a position and a snippet of the body: keep only the position.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return { ok: false, code: 'invalid_json', detail: `body is not JSON${position ? ` (at byte ~${position})` : ''}` };
  }

  if (hasDuplicateKey(text)) {
    return {
      ok: false,
      code: 'duplicate_key',
      detail: 'an object in the body has the same key twice (which one would count is parser-dependent)',
    };
  }

  if (!isObject(parsed)) return invalid('body is not a JSON object');
  const { event_id, event_type, created_at, environment, api_version, data, provider } = parsed;
  if (typeof event_id !== 'string' || !ID.test(event_id)) {
    return invalid('event_id must be a string of 1 to 255 printable ASCII characters without spaces');
  }
  if (typeof event_type !== 'string' || !ID.test(event_type)) {
    return invalid('event_type must be a string of 1 to 255 printable ASCII characters without spaces');
  }
  if (typeof created_at !== 'string' || !isCalendarTimestamp(created_at)) {
    return invalid('created_at must be an RFC 3339 timestamp');
  }
  if (!isObject(data)) return invalid('data must be a JSON object');
  if (environment !== undefined && (typeof environment !== 'string' || !ENVIRONMENT.test(environment))) {
    return invalid('environment must be a short lower-case word such as sandbox or production');
  }
  if (api_version !== undefined && typeof api_version !== 'string') return invalid('api_version must be a string');
  if (provider !== undefined && provider !== null && !isObject(provider)) return invalid('provider must be an object');

  if (depthExceeds(parsed, MAX_DEPTH)) return invalid(`body nests deeper than ${MAX_DEPTH} levels`);

  return { ok: true, event: parsed as OsiguEvent };
}
