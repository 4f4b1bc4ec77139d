/*
 * The id grammar: what an id from Osigu must look like before it may appear verbatim anywhere
 * that is never encrypted (workflow ids, search attributes, logs, failure messages).
 *
 * Osigu's ids are prefixed ULID-like strings (`evt_01JB…`, `auth_…`, `areq_…`, `dsp_…`, `rx_…`,
 * `stl_…`): a lower-case prefix of 2 to 16 letters or digits, `_`, then 1 to 128 letters, digits,
 * `_` or `-`, starting with a letter or digit. That is 146 characters at most, well inside
 * Temporal's id limits once an entity prefix is added, and it has no `:`, no space, no `/`, no
 * `.`, nothing a name, a birth date or an e-mail address needs. So:
 *
 * - an entity workflow id (`<prefix>:<key>`) always has a `:` and an event workflow id never
 *   does: the two can never be equal;
 * - a raw id outside the grammar is replaced by its keyed hash (`h_` + hex), which is outside the
 *   grammar too (a one-letter prefix), so a hash can never equal a verbatim id.
 *
 * Pure, no imports: workflow code may use it.
 */

export const ID_GRAMMAR = /^[a-z][a-z0-9]{1,15}_[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The event-type grammar: Osigu's types are dotted lower-case words (`dispensing.completed`). Only
 * a type of this shape is written where nothing is encrypted (search attributes, summaries, span
 * attributes); any other `event_type` is still accepted and kept, in the encrypted input only.
 */
export const EVENT_TYPE_GRAMMAR = /^[a-z0-9_]{1,64}(\.[a-z0-9_]{1,64}){0,3}$/;

/** What stands in for an event type outside the grammar wherever nothing is encrypted. */
export const WITHHELD_EVENT_TYPE = 'type_outside_grammar';

/** The event type itself when it matches the grammar, else WITHHELD_EVENT_TYPE. */
export function eventTypeLabel(eventType: string): string {
  return EVENT_TYPE_GRAMMAR.test(eventType) ? eventType : WITHHELD_EVENT_TYPE;
}

/** The prefix of a keyed hash: one letter, so no verbatim id (two letters at least) can look like one. */
export const HASHED_ID_PREFIX = 'h_';

export function matchesIdGrammar(value: string): boolean {
  return ID_GRAMMAR.test(value);
}

/** Flags an event workflow input may carry: which of its ids were replaced by keyed hashes. */
export type IdFlag = 'event_id_hashed' | 'resource_id_hashed';

/**
 * A raw id's PHI-safe key: the id itself when it matches the grammar, else `hash(raw)`. `hash` is
 * the keyed hash of src/osigu/id-key.ts (injected, so this stays pure).
 */
export function idKey(raw: string, hash: (raw: string) => string): { key: string; hashed: boolean } {
  return matchesIdGrammar(raw) ? { key: raw, hashed: false } : { key: `${HASHED_ID_PREFIX}${hash(raw)}`, hashed: true };
}
