import { z } from 'zod';

/** Which answers a fault hits: the token endpoint, the bearer-protected API, or both. */
export type FaultScope = 'all' | 'api' | 'token';

const budget = {
  /** The next N matching requests; with `durationMs` too, whichever runs out first. */
  count: z.number().int().min(1).optional(),
  durationMs: z.number().int().min(1).optional(),
  scope: z.enum(['all', 'api', 'token']).optional(),
};

/**
 * What `POST /__admin/faults` and `faults.set()` take. Each key present replaces that switch;
 * `null` turns it off; a switch without `count` or `durationMs` stays on until turned off.
 * Strict, so that a misspelt switch is refused instead of silently doing nothing.
 */
export const faultSettingsSchema = z.strictObject({
  rateLimit429: z
    .strictObject({ ...budget, retryAfterSeconds: z.number().int().min(0).max(3600).optional() })
    .nullable()
    .optional(),
  serverError5xx: z
    .strictObject({ ...budget, status: z.number().int().min(500).max(599).optional() })
    .nullable()
    .optional(),
  slowMs: z
    .union([z.number().int().min(0).max(60_000), z.strictObject({ ...budget, ms: z.number().int().min(0).max(60_000) })])
    .nullable()
    .optional(),
  /** One-shot: every token issued so far is revoked now, so each client gets one 401 and refreshes. */
  expireTokens: z.boolean().optional(),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

interface FaultEffects {
  rateLimit429: { retryAfterSeconds: number };
  serverError5xx: { status: number };
  slowMs: { ms: number };
}

export type FaultName = keyof FaultEffects;

interface ActiveFault<E> {
  effect: E;
  scope: FaultScope;
  remaining: number | undefined;
  untilMs: number | undefined;
}

type ActiveFaults = { [K in FaultName]?: ActiveFault<FaultEffects[K]> };

export interface FaultSnapshot {
  rateLimit429: FaultView<FaultEffects['rateLimit429']> | null;
  serverError5xx: FaultView<FaultEffects['serverError5xx']> | null;
  slowMs: FaultView<FaultEffects['slowMs']> | null;
  /** How many answers each switch has shaped since the last reset: how tests see the fault path. */
  fired: Record<FaultName, number>;
  /** Tokens revoked by `expireTokens` since the last reset. */
  expiredTokens: number;
}

export type FaultView<E> = E & { scope: FaultScope; remaining: number | null; until: string | null };

/** The fault switches of the stand-in API, set from tests directly or over HTTP. */
export class FaultSwitches {
  private active: ActiveFaults = {};
  private fired: Record<FaultName, number> = { rateLimit429: 0, serverError5xx: 0, slowMs: 0 };

  constructor(
    private readonly now: () => number,
    private readonly tokens: { expireAll(): number; readonly expiredBySwitch: number },
  ) {}

  /** Validates like the HTTP endpoint does, so both ways of setting a fault behave the same. */
  set(input: FaultSettings): FaultSnapshot {
    const settings = faultSettingsSchema.parse(input);
    if (settings.rateLimit429 !== undefined) {
      const s = settings.rateLimit429;
      this.put('rateLimit429', s && { ...s, effect: { retryAfterSeconds: s.retryAfterSeconds ?? 1 } });
    }
    if (settings.serverError5xx !== undefined) {
      const s = settings.serverError5xx;
      this.put('serverError5xx', s && { ...s, effect: { status: s.status ?? 503 } });
    }
    if (settings.slowMs !== undefined) {
      const s = typeof settings.slowMs === 'number' ? { ms: settings.slowMs } : settings.slowMs;
      this.put('slowMs', s && s.ms > 0 ? { ...s, effect: { ms: s.ms } } : null);
    }
    if (settings.expireTokens === true) this.tokens.expireAll();
    return this.snapshot();
  }

  /** The fault's effect when it applies to this request, counting it as used. */
  take<K extends FaultName>(name: K, scope: Exclude<FaultScope, 'all'>): FaultEffects[K] | undefined {
    const fault = this.active[name];
    if (fault === undefined || !this.isLive(name, fault)) return undefined;
    if (fault.scope !== 'all' && fault.scope !== scope) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining === 0) delete this.active[name];
    }
    this.fired[name] += 1;
    return fault.effect;
  }

  snapshot(): FaultSnapshot {
    const view = <K extends FaultName>(name: K): FaultView<FaultEffects[K]> | null => {
      const fault = this.active[name];
      if (fault === undefined || !this.isLive(name, fault)) return null;
      return {
        ...fault.effect,
        scope: fault.scope,
        remaining: fault.remaining ?? null,
        until: fault.untilMs === undefined ? null : new Date(fault.untilMs).toISOString(),
      };
    };
    return {
      rateLimit429: view('rateLimit429'),
      serverError5xx: view('serverError5xx'),
      slowMs: view('slowMs'),
      fired: { ...this.fired },
      expiredTokens: this.tokens.expiredBySwitch,
    };
  }

  reset(): void {
    this.active = {};
    this.fired = { rateLimit429: 0, serverError5xx: 0, slowMs: 0 };
  }

  private put<K extends FaultName>(
    name: K,
    settings: {
      effect: FaultEffects[K];
      count?: number | undefined;
      durationMs?: number | undefined;
      scope?: FaultScope | undefined;
    } | null,
  ): void {
    if (settings === null) {
      delete this.active[name];
      return;
    }
    const fault: ActiveFault<FaultEffects[K]> = {
      effect: settings.effect,
      scope: settings.scope ?? 'all',
      remaining: settings.count,
      untilMs: settings.durationMs === undefined ? undefined : this.now() + settings.durationMs,
    };
    (this.active as Record<K, ActiveFault<FaultEffects[K]>>)[name] = fault;
  }

  private isLive(name: FaultName, fault: ActiveFault<unknown>): boolean {
    if (fault.untilMs !== undefined && fault.untilMs <= this.now()) {
      delete this.active[name];
      return false;
    }
    return true;
  }
}
