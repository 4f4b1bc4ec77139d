import picomatch from 'picomatch';
import { z } from 'zod';
import { invalidRequest } from './api-error';
import { newId } from './ids';

/** The assumed shape of Osigu's answer (shared/osigu/README.md: response shape unpublished). */
export interface Subscription {
  subscription_id: string;
  url: string;
  event_types: string[];
  created_at: string;
}

const requestSchema = z.object({
  url: z.string().min(1).max(2048),
  // Osigu's pattern language: `*` is any run of characters, `["*"]` is everything.
  event_types: z.array(z.string().min(1).max(200).regex(/^\S+$/, 'a pattern has no whitespace')).min(1).max(50),
});

interface StoredSubscription {
  subscription: Subscription;
  matches: (eventType: string) => boolean;
}

/** Registered receivers, and which of them an event goes to. */
export class SubscriptionStore {
  private readonly stored: StoredSubscription[] = [];

  constructor(
    private readonly allowInsecureUrls: boolean,
    private readonly now: () => number,
  ) {}

  create(input: unknown): Subscription {
    const parsed = requestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const url = this.checkUrl(parsed.data.url);
    const subscription: Subscription = {
      subscription_id: newId('sub', this.now()),
      url,
      event_types: parsed.data.event_types,
      created_at: new Date(this.now()).toISOString(),
    };
    // `*` crosses dots in picomatch as in Osigu's patterns; it stops only at `/`, which no event
    // type contains (the receiver routes with the same rule: src/temporal/routing.ts).
    const matchers = subscription.event_types.map((pattern) => picomatch(pattern));
    this.stored.push({ subscription, matches: (eventType) => matchers.some((match) => match(eventType)) });
    return { ...subscription, event_types: [...subscription.event_types] };
  }

  list(): Subscription[] {
    return this.stored.map(({ subscription }) => ({ ...subscription, event_types: [...subscription.event_types] }));
  }

  matching(eventType: string): Subscription[] {
    return this.stored.filter(({ matches }) => matches(eventType)).map(({ subscription }) => subscription);
  }

  clear(): void {
    this.stored.length = 0;
  }

  private checkUrl(value: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalidRequest('url: not an absolute URL');
    }
    if (url.username !== '' || url.password !== '') throw invalidRequest('url: must not carry credentials');
    if (url.protocol === 'https:') return url.href;
    if (url.protocol === 'http:' && this.allowInsecureUrls) return url.href;
    // Osigu delivers over HTTPS only; plain HTTP is for local receivers in tests and dev runs.
    throw invalidRequest('url: must be https:// (this API was not started with allowInsecureSubscriptions)');
  }
}
