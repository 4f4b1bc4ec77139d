export type Resource = Record<string, unknown>;

interface Row {
  record: Resource;
  /** `created_at` of the newest event merged, in ms; -Infinity for seeded rows. */
  atMs: number;
}

/**
 * One kind of resource, keyed by its id field. Osigu orders events per resource on a best-effort
 * basis only, so a merge as of an older `created_at` than the row's fills gaps and changes
 * nothing else: a late `dispensing.started` never turns a COMPLETED dispensation back.
 */
export class ResourceTable {
  private readonly rows = new Map<string, Row>();

  constructor(readonly idField: string) {}

  merge(id: string, patch: Resource, atMs: number): void {
    const copy = structuredClone({ ...patch, [this.idField]: id });
    const row = this.rows.get(id);
    if (row === undefined) this.rows.set(id, { record: copy, atMs });
    else if (atMs >= row.atMs) this.rows.set(id, { record: { ...row.record, ...copy }, atMs });
    else this.rows.set(id, { record: { ...copy, ...row.record }, atMs: row.atMs });
  }

  /** Replaces the row; any event merged later wins over it. */
  put(record: Resource): void {
    const id = record[this.idField];
    if (typeof id !== 'string' || id === '') throw new TypeError(`a seeded record needs a string ${this.idField}`);
    this.rows.set(id, { record: structuredClone(record), atMs: Number.NEGATIVE_INFINITY });
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** A copy: callers may serialise or change it without touching the table. */
  get(id: string): Resource | undefined {
    const row = this.rows.get(id);
    return row === undefined ? undefined : structuredClone(row.record);
  }

  where(field: string, value: unknown): Resource[] {
    return [...this.rows.values()].filter(({ record }) => record[field] === value).map(({ record }) => structuredClone(record));
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
  }
}
