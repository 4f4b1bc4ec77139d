import type { ClientCredentials } from './client-credentials';

// Well-known values, like the receiver's own development secret (DEV_WEBHOOK_SECRET in
// scripts/dev-keys.ts): they let `npm run dev`, the stand-in API and `subscribe` work together
// without any setup. Never real.
export const DEV_CLIENT: ClientCredentials = { clientId: 'sim-client', clientSecret: 'sim_secret_dev_only_not_a_secret' };
