import { z } from 'zod';
import { MessageTypeSchema } from '../messages/index.ts';
import { normalisePhone } from '../users/index.ts';

/**
 * One inbound WhatsApp message as the host hands it over: SPEC.md's `/wa/incoming` body plus an
 * optional `message_id` (the WhatsApp id; it makes redelivery harmless).
 */
export const IncomingMessageSchema = z.object({
  from_number: z
    .string()
    .max(32)
    .transform(normalisePhone)
    .pipe(z.string().regex(/^\d{6,20}$/, 'from_number must be 6–20 digits')),
  message_type: MessageTypeSchema,
  text: z.string().nullish(),
  media_url: z.string().max(2048).nullish(),
  /** Unix seconds when the user sent it. */
  timestamp: z.number().int().min(0).max(32_503_680_000).nullish(),
  message_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_\-:.@]+$/, 'message_id may hold letters, digits and _-:.@')
    .nullish(),
});
export type IncomingMessage = z.infer<typeof IncomingMessageSchema>;

export type IncomingResult = {
  status: 'ok';
  reply: string;
  intent: string;
  user_id: number;
  message_id: string;
  /** True when this message was handled before: nothing changed, the first reply is repeated. */
  duplicate: boolean;
  /** Outbox rows holding the reply that are still to be sent (outbox delivery only). */
  outbox_ids: number[];
};
