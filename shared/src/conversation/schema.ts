import { z } from 'zod';
import { MessageTypeSchema } from '../messages/index.ts';
import { GroupRefSchema } from '../queue/envelope.ts';
import { normalisePhone } from '../users/index.ts';

/**
 * One inbound WhatsApp message as the host hands it over: SPEC.md's `/wa/incoming` body plus an
 * optional `message_id` (the WhatsApp id; it makes redelivery harmless).
 */
export const IncomingMessageSchema = z
  .object({
    /** The sender's number; null only for a group member known by LID alone (`group.sender_lid`). */
    from_number: z
      .string()
      .max(32)
      .transform(normalisePhone)
      .pipe(z.string().regex(/^\d{6,20}$/, 'from_number must be 6–20 digits'))
      .nullable(),
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
    /** The WhatsApp group it was written in (issue 15); absent for a personal chat. */
    group: GroupRefSchema.nullish(),
  })
  .refine((message) => message.from_number !== null || Boolean(message.group?.sender_lid), {
    message: 'from_number is required (it may be null only for a group member known by LID)',
    path: ['from_number'],
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
