/**
 * The OpenAPI description of `POST /wa/incoming` (openapi.ts), kept beside wa.ts rather than in
 * it so the handler stays short; the request schema is read from wa.ts's own validator.
 */
import { z } from 'zod';
import { describe, type RouteDoc } from '../openapi.ts';

/** What the route answers: the conversation's result with the reply as delivered. */
export const IncomingReplySchema = z.object({
  status: z.literal('ok'),
  reply: z.string().meta({ description: 'The message to send back, in informal Indonesian.' }),
  intent: z
    .string()
    .meta({ description: 'What the message was understood as (create_transaction, get_report, …).' }),
  user_id: z
    .number()
    .int()
    .meta({ description: 'The books it was written to: the sender’s, or a household’s.' }),
  message_id: z.string(),
  duplicate: z.boolean().meta({
    description:
      'True when this message_id was handled before: nothing changed, the first reply is repeated.',
  }),
  outbox_ids: z
    .array(z.number().int())
    .meta({ description: 'Outbox rows still to be sent (outbox delivery only).' }),
});

const INCOMING: RouteDoc = {
  operationId: 'waIncoming',
  summary: 'Terima pesan WhatsApp',
  description:
    'One WhatsApp message from the host, in; the reply, out (SPEC.md `POST /wa/incoming`). The message is understood, booked and answered in one call; send `message_id` (WhatsApp’s id) so a redelivery changes nothing. A message in a WhatsApp group carries `group`; `from_number` may be null only for a group member known by LID (`group.sender_lid`). Text is the message; audio and image carry `media_url` (s3://<MEDIA_BUCKET>/<key>).',
  tags: ['WhatsApp'],
  example: {
    from_number: '6281234567890',
    message_type: 'text',
    text: 'beli pulsa 50k',
    media_url: null,
    timestamp: 1730368902,
    message_id: '3EB0C431C26A1916E2F1',
  },
  responses: {
    200: {
      description: 'Handled; `reply` is what to send back.',
      schema: IncomingReplySchema,
      example: {
        status: 'ok',
        reply: '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah.',
        intent: 'create_transaction',
        user_id: 1,
        message_id: '3EB0C431C26A1916E2F1',
        duplicate: false,
        outbox_ids: [],
      },
    },
  },
};

export const describeIncoming = describe(INCOMING);
