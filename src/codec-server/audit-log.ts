// The codec server's audit trail: one JSON line per decode or encode request, served or refused,
// appended to a file of its own (CODEC_SERVER_AUDIT_LOG). A decode is someone reading PHI, so
// HIPAA's audit controls want it kept apart from the service log (which rotates, samples and
// mixes levels) and readable by `npm run ops -- audit`. A line holds who, when, how they proved
// themselves, which operation, the namespace, how many payloads and the answer: never a payload.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { z } from 'zod';

export const codecAuditRecord = z.object({
  at: z.string(),
  /** The SSO proxy's user, `session:<label>`, `bearer`, or `unauthenticated` for a refused caller. */
  who: z.string(),
  auth: z.enum(['bearer', 'session', 'none']),
  operation: z.enum(['decode', 'encode']),
  namespace: z.string().optional(),
  payloads: z.number().int().nonnegative().optional(),
  status: z.number().int(),
  /** The refusal's code (`unauthorized`, `decode_failed`, …) when it was refused. */
  code: z.string().optional(),
});

export type CodecAuditRecord = z.infer<typeof codecAuditRecord>;

export interface CodecAuditLog {
  record(entry: CodecAuditRecord): void;
  close(): Promise<void>;
}

/**
 * Opens (or creates, readable by its owner only) the file and appends to it. The file is opened
 * now, so a server told to audit into a path it cannot write refuses to start; later, a failing
 * disk is reported through `onError` (the server logs it) rather than taking decodes down with it.
 */
export function openCodecAuditLog(file: string, onError: (error: Error) => void): CodecAuditLog {
  const stream: WriteStream = createWriteStream(file, { fd: openSync(file, 'a', 0o600) });
  stream.on('error', onError);
  return {
    record(entry) {
      stream.write(`${JSON.stringify(entry)}\n`);
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
