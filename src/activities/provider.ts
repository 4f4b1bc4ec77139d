import type { Notification } from '../domain/notification';
import { ApplicationFailure } from '@temporalio/common';
import { signatureHeader } from '../osigu/signature';

export interface ProviderDelivery {
  delivered: boolean;
  status?: number;
}

export type ProviderNotifier = (notification: Notification) => Promise<ProviderDelivery>;

export interface ProviderNotifierOptions {
  /** The provider's internal URL; without one, outcomes are only recorded in Temporal. */
  url: string | undefined;
  secret: string | undefined;
  timeoutMs?: number;
}

/**
 * Signed with the same scheme Osigu uses (header `X-Osigu-Receiver-Signature`), so the provider
 * verifies us with the code it already trusts. `Idempotency-Key` is the notification id: a retry
 * after a lost answer carries the same key, and the provider drops the second copy.
 */
export function createProviderNotifier({ url, secret, timeoutMs = 10_000 }: ProviderNotifierOptions): ProviderNotifier {
  return async (notification) => {
    if (url === undefined) return { delivered: false };
    const body = JSON.stringify(notification);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': notification.notification_id };
    if (secret !== undefined)
      headers['x-osigu-receiver-signature'] = signatureHeader(body, { secrets: secret, timestamp: Math.floor(Date.now() / 1000) });
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    const message = `provider answered HTTP ${response.status}`;
    // A 4xx other than 408/429 will not get better by retrying the same request.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw ApplicationFailure.nonRetryable(message, `ProviderHttp${response.status}`);
    }
    throw ApplicationFailure.retryable(message, `ProviderHttp${response.status}`);
  };
}
