export interface RouteCount {
  count: number;
  statuses: Record<string, number>;
}

export interface RequestCounts {
  total: number;
  /** Keyed by method and route pattern (`GET /v3/settlements/:id`), never by raw path. */
  routes: Record<string, RouteCount>;
}

/** Answers per route and status, for tests that assert what a client actually sent. */
export class RequestCounter {
  private counts: RequestCounts = { total: 0, routes: {} };

  record(route: string, status: number): void {
    this.counts.total += 1;
    const entry = (this.counts.routes[route] ??= { count: 0, statuses: {} });
    entry.count += 1;
    entry.statuses[String(status)] = (entry.statuses[String(status)] ?? 0) + 1;
  }

  snapshot(): RequestCounts {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = { total: 0, routes: {} };
  }
}
