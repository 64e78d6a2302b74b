/**
 * The host's HTTP side (BOT_HOST_PORT, 3000): login and status of each session, the signed
 * internal send endpoints, health and metrics.
 *
 *   GET  /session/:id/qr            signed*; the QR code to scan, as a base64 PNG data URL (SPEC.md)
 *   POST /session/:id/pairing-code  signed*; {phone_number} → an 8-character code to type on the phone
 *   GET  /session/:id/status        signed*; {state: STOPPED|STARTING|SCAN_QR_CODE|WORKING|FAILED, …}
 *   POST /deliver                   signed; {to, text, outbox_id?} → sent through the pacer (SPEC.md)
 *   POST /wa/send                   signed; {to, text, session_id?} → a manual send
 *   GET  /healthz                   200 when every session is WORKING, else 503 (states only)
 *   GET  /metrics                   Prometheus text
 *
 * Signed*: the session endpoints link a WhatsApp account, so whoever reaches them while the bot
 * waits to be linked could link their own number or ask for pairing codes (issue 14 item 4). They
 * take the API's request signature (shared/src/security `signedRequestHeaders`: HMAC over a
 * nonce, the method, the path and the body, with the same secret and replay window as /deliver);
 * a body-only signature would not do, because every GET has the same empty body. /deliver and
 * /wa/send keep the body-only form their callers send. The host listens on HOST, 127.0.0.1
 * unless set, and compose publishes no port for it (the QR is also printed in its log).
 *
 * Errors: the answer is generic (with an id); the error itself, with the same id, is in the log.
 */

import { randomUUID } from 'node:crypto';
import { type Config, getConfig } from '@kantong/shared/config';
import { GroupJidSchema } from '@kantong/shared/households';
import { logger } from '@kantong/shared/logger';
import {
  createSignatureGuard,
  SIGNATURE_HEADER,
  signedRequestInput,
  TIMESTAMP_HEADER,
} from '@kantong/shared/security';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { HostMetrics } from './metrics.ts';
import { NoSessionError, type Sender } from './outbound.ts';
import type { Session } from './session.ts';

export type HttpDeps = {
  sessions: ReadonlyMap<string, Session>;
  sender: Sender;
  metrics: HostMetrics;
  config?: Pick<Config, 'INTERNAL_API_SECRET' | 'SIGNATURE_WINDOW_S'>;
  now?: () => Date;
};

const Phone = z.string().regex(/^\d{6,20}$/, 'digits only, country code first (6281234567890)');
/** A reply goes to a person's number or to a household's group (issue 15). */
const Recipient = z.union([Phone, GroupJidSchema]);

const DeliverSchema = z.object({
  to: Recipient,
  text: z.string().min(1).max(65_536),
  outbox_id: z.number().int().positive().nullable().optional(),
});
const ManualSendSchema = z.object({
  to: Recipient,
  text: z.string().min(1).max(65_536),
  session_id: z.string().max(64).optional(),
});
const PairingSchema = z.object({ phone_number: Phone });

function statusOf(session: Session) {
  return {
    session_id: session.id,
    state: session.state,
    bot_number: session.socket?.user?.id.split(/[:@]/)[0] ?? null,
    since: session.since.toISOString(),
    last_error: session.lastError,
    reconnect_attempts: session.attempts,
  };
}

function invalid(issues: z.core.$ZodIssue[]) {
  return {
    status: 'error',
    error: 'invalid_request',
    message: 'Request tidak valid.',
    issues: issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  };
}

export function createHttpApp(deps: HttpDeps) {
  const config = deps.config ?? getConfig();
  const now = deps.now ?? (() => new Date());
  const guard = config.INTERNAL_API_SECRET
    ? createSignatureGuard({ secret: config.INTERNAL_API_SECRET, windowS: config.SIGNATURE_WINDOW_S, now })
    : null;

  /** The verified raw body, or a Response that refuses the request. */
  const readSigned = async (
    request: Request,
  ): Promise<{ body: unknown } | { refuse: [unknown, 401 | 503 | 400] }> => {
    if (!guard) {
      return {
        refuse: [
          { status: 'error', error: 'not_configured', message: 'INTERNAL_API_SECRET is not set' },
          503,
        ],
      };
    }
    const raw = await request.text();
    const result = guard({
      body: raw,
      timestamp: request.headers.get(TIMESTAMP_HEADER),
      signature: request.headers.get(SIGNATURE_HEADER),
    });
    if (!result.ok)
      return { refuse: [{ status: 'error', error: 'unauthorized', reason: result.reason }, 401] };
    try {
      return { body: JSON.parse(raw) as unknown };
    } catch {
      return { refuse: [{ status: 'error', error: 'invalid_request', message: 'Body is not JSON.' }, 400] };
    }
  };

  /** The session endpoints: a signature over the request line and body (see the top of the file). */
  const requireRequestSignature: MiddlewareHandler = async (c, next) => {
    const refused = refuseUnsigned(c, await c.req.text());
    if (refused) return refused;
    await next();
  };
  const refuseUnsigned = (c: Context, body: string) => {
    if (!guard) {
      return c.json(
        { status: 'error', error: 'not_configured', message: 'INTERNAL_API_SECRET is not set' },
        503,
      );
    }
    const result = guard(signedRequestInput(c.req, body));
    if (!result.ok) return c.json({ status: 'error', error: 'unauthorized', reason: result.reason }, 401);
    return null;
  };

  const send = async (job: Parameters<Sender['send']>[0]) => {
    try {
      return await deps.sender.send(job);
    } catch (error) {
      if (error instanceof NoSessionError) return null;
      throw error;
    }
  };

  const app = new Hono()
    .get('/healthz', (c) => {
      // States only: the bot's number and the last error are for the signed status endpoint.
      const sessions = [...deps.sessions.values()].map((session) => ({
        session_id: session.id,
        state: session.state,
      }));
      const ok = sessions.length > 0 && sessions.every((session) => session.state === 'WORKING');
      return c.json({ status: ok ? 'ok' : 'degraded', sessions }, ok ? 200 : 503);
    })
    .use('/session/*', requireRequestSignature)
    .get('/metrics', async (c) => {
      c.header('content-type', deps.metrics.registry.contentType);
      return c.body(await deps.metrics.registry.metrics(), 200);
    })
    .get('/session/:id/status', (c) => {
      const session = deps.sessions.get(c.req.param('id'));
      if (!session) return c.json({ status: 'error', error: 'not_found', message: 'Unknown session.' }, 404);
      return c.json(statusOf(session), 200);
    })
    .get('/session/:id/qr', async (c) => {
      const session = deps.sessions.get(c.req.param('id'));
      if (!session) return c.json({ status: 'error', error: 'not_found', message: 'Unknown session.' }, 404);
      if (session.state !== 'SCAN_QR_CODE' || !session.qr) {
        return c.json({ status: 'error', error: 'no_qr', state: session.state }, 409);
      }
      const qr = await QRCode.toDataURL(session.qr, { type: 'image/png', margin: 2, scale: 6 });
      return c.json({ session_id: session.id, state: session.state, qr }, 200);
    })
    .post('/session/:id/pairing-code', async (c) => {
      const session = deps.sessions.get(c.req.param('id'));
      if (!session) return c.json({ status: 'error', error: 'not_found', message: 'Unknown session.' }, 404);
      const parsed = PairingSchema.safeParse(await c.req.json().catch(() => null));
      if (!parsed.success) return c.json(invalid(parsed.error.issues), 400);
      if (session.state !== 'SCAN_QR_CODE') {
        return c.json({ status: 'error', error: 'not_waiting_for_login', state: session.state }, 409);
      }
      const code = await session.requestPairingCode(parsed.data.phone_number);
      return c.json({ session_id: session.id, code }, 200);
    })
    .post('/deliver', async (c) => {
      const signed = await readSigned(c.req.raw);
      if ('refuse' in signed) return c.json(...signed.refuse);
      const parsed = DeliverSchema.safeParse(signed.body);
      if (!parsed.success) return c.json(invalid(parsed.error.issues), 400);
      const result = await send({
        to: parsed.data.to,
        text: parsed.data.text,
        outboxId: parsed.data.outbox_id ?? null,
      });
      if (!result)
        return c.json(
          { status: 'error', error: 'no_session', message: 'No WhatsApp session is connected.' },
          503,
        );
      return c.json(result, 200);
    })
    .post('/wa/send', async (c) => {
      const signed = await readSigned(c.req.raw);
      if ('refuse' in signed) return c.json(...signed.refuse);
      const parsed = ManualSendSchema.safeParse(signed.body);
      if (!parsed.success) return c.json(invalid(parsed.error.issues), 400);
      const { to, text, session_id: sessionId } = parsed.data;
      const result = await send({ to, text, outboxId: null, ...(sessionId ? { sessionId } : {}) });
      if (!result)
        return c.json(
          { status: 'error', error: 'no_session', message: 'No WhatsApp session is connected.' },
          503,
        );
      return c.json(result, 200);
    });

  app.onError((error, c) => {
    // The message may carry internals (a connection string, a path): it goes to the log only.
    const errorId = randomUUID();
    logger.error({ err: error, path: c.req.path, errorId }, 'request failed');
    return c.json(
      {
        status: 'error',
        error: 'internal',
        error_id: errorId,
        message: 'Maaf, ada gangguan di WhatsApp host. Coba lagi ya. (Internal error; see the host log.)',
      },
      500,
    );
  });
  return app;
}
