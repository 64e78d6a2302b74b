/**
 * Prometheus metrics of the host (`GET /metrics`). One registry per host instance, so tests can
 * build several hosts in one process without clashing on metric names.
 */
import { Counter, Gauge, Registry } from 'prom-client';

export type HostMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    messagesIn: new Counter({
      name: 'kantong_wa_messages_in_total',
      help: 'WhatsApp messages taken in, by session, type and outcome (enqueued, duplicate, ignored, refused, failed)',
      labelNames: ['session', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'kantong_wa_messages_out_total',
      help: 'Replies handled, by session and outcome (sent, duplicate, uncertain, failed)',
      labelNames: ['session', 'outcome'] as const,
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'kantong_wa_reconnects_total',
      help: 'Socket reconnections, by session and the close code that caused them',
      labelNames: ['session', 'code'] as const,
      registers: [registry],
    }),
    sendQueueDepth: new Gauge({
      name: 'kantong_wa_send_queue_depth',
      help: 'Replies waiting for their send slot (pace per recipient and cap per number)',
      registers: [registry],
    }),
    credsSaveFailures: new Counter({
      name: 'kantong_wa_creds_save_failures_total',
      help: 'Failed saves of the WhatsApp credentials to PostgreSQL, by session (each is retried; a lost save can log the number out)',
      labelNames: ['session'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'kantong_wa_alerts_total',
      help: 'Conditions an operator must look at, by session and reason (outdated_version_405: WhatsApp refused this WhatsApp Web version; creds_not_saved: retries ran out)',
      labelNames: ['session', 'reason'] as const,
      registers: [registry],
    }),
    groupLookups: new Counter({
      name: 'kantong_wa_group_lookups_total',
      help: 'Group metadata lookups asked of WhatsApp, by session and outcome (ok, failed: rate-overlimit or the socket down; the cached copy served)',
      labelNames: ['session', 'outcome'] as const,
      registers: [registry],
    }),
    sessionUp: new Gauge({
      name: 'kantong_wa_session_working',
      help: '1 when the session socket is logged in and open (WORKING), else 0',
      labelNames: ['session'] as const,
      registers: [registry],
    }),
  };
}
