import { pino } from 'pino';

/**
 * One JSON logger per process (STYLE habit 10). Per-message keys are attached with
 * `logger.child({ messageId, userId })`.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { service: process.env.KANTONG_SERVICE ?? 'kantong' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = typeof logger;
