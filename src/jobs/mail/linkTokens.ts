/**
 * Signed tokens for links in mails that work without logging in: one-click unsubscribe
 * (RFC 8058) and e-mail verification. HMAC-SHA256 over the payload with a key derived from
 * the process's link secret; the purpose is part of what is signed, so a token made for
 * one use is worthless for the other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export type LinkPurpose = 'unsubscribe' | 'verify-email';

const payloadSchema = z.object({
  userId: z.string().min(1).max(100),
  /** unsubscribe: the kind it switches off. */
  kind: z.string().max(100).optional(),
  /** verify-email: the address it confirms (an address changed since makes it void). */
  email: z.string().max(320).optional(),
  /** Epoch milliseconds after which the token is void; unsubscribe links never expire. */
  expiresAt: z.number().int().optional(),
});
export type LinkPayload = z.infer<typeof payloadSchema>;

export class LinkTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('tessera mail links').digest();
  }

  sign(purpose: LinkPurpose, payload: LinkPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(purpose, body)}`;
  }

  /** The payload of a genuine, unexpired token for this purpose; undefined otherwise. */
  verify(purpose: LinkPurpose, token: string, now: Date): LinkPayload | undefined {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(purpose, body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const payload = payloadSchema.safeParse(parsed);
    if (!payload.success) return undefined;
    if (payload.data.expiresAt !== undefined && payload.data.expiresAt <= now.getTime()) return undefined;
    return payload.data;
  }

  private mac(purpose: LinkPurpose, body: string): string {
    return createHmac('sha256', this.key).update(`${purpose}.${body}`).digest('base64url');
  }
}
