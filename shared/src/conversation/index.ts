/**
 * One inbound WhatsApp message, start to finish: who sent it, what it means, what it changes in
 * the ledger, what Kantong answers. Everything a message changes — the user, the log rows, the
 * ledger rows, the reply — commits in one PostgreSQL transaction keyed by the message id, so a
 * redelivery changes nothing and gets the first reply again (DESIGN.md decisions 2 and 3).
 */
import * as Auth from '../auth/index.ts';
import { getConfig } from '../config.ts';
import type { DatabasePool, DatabaseTransactionConnection } from '../db/pool.ts';
import { logger } from '../logger.ts';
import * as Messages from '../messages/index.ts';
import { type AiCall, type LlmFallback, recordAiCall } from '../nlu/index.ts';
import type * as Outbox from '../outbox/index.ts';
import { type Channel, DEFAULT_CHANNEL } from '../queue/topology.ts';
import * as Users from '../users/index.ts';
import * as Registration from '../users/registration.ts';
import { logAndQueueReply } from './answer.ts';
import { type DecideInput, decide } from './decide.ts';
import { duplicateResult, handledResult, winnersReply } from './duplicate.ts';
import { handleGroupMessage } from './group.ts';
import { withOptimisticActs } from './intents.ts';
import { answerConfirmation, type Extracted, registerAsset } from './media.ts';
import {
  LOGGED_BODY_LIMIT,
  lockSender,
  lookBack,
  messageTime,
  received,
  understandReceived,
} from './received.ts';
import * as Replies from './replies.ts';
import type { IncomingMessage, IncomingResult } from './schema.ts';

export type { Extracted } from './media.ts';
export * from './schema.ts';

export type ConversationDeps = {
  pool: DatabasePool;
  /** The LLM fallback; null when no Ollama is configured. */
  llm?: LlmFallback | null;
  /** The clock, replaceable in tests. */
  now?: () => Date;
  /**
   * How the reply leaves: in the HTTP `response` (SPEC.md's synchronous `/wa/incoming`, the
   * caller sends it), or through the `outbox` (the queue pipeline: written in the transaction,
   * flushed to outbound.fifo after the commit).
   */
  delivery?: 'response' | 'outbox';
  /** With outbox delivery: the channel the message came from, where its reply goes (WhatsApp by default). */
  channel?: Channel;
  /**
   * With outbox delivery: each reply row as it is queued, so the caller can send it after the
   * commit without reading it back (issue 16). Called inside the transaction: a row counts only
   * if its id is in the result's `outbox_ids` (the transaction committed).
   */
  onQueued?: (row: Outbox.QueuedRow) => void;
};

/**
 * Handles one inbound message and returns the reply to send.
 *
 * @example
 * await handleIncoming({ pool }, { from_number: '6281234567890', message_type: 'text', text: 'beli pulsa 50k' })
 * // → { reply: '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah.', … }
 */
export async function handleIncoming(
  deps: ConversationDeps,
  message: IncomingMessage,
  /** For audio/image messages: what the media functions made of it (a transcript, a receipt). */
  extracted?: Extracted,
): Promise<IncomingResult> {
  const config = getConfig();
  const now = deps.now?.() ?? new Date();
  // Group messages (issue 15) go to the household's books: conversation/group.ts.
  if (message.group) return handleGroupMessage(deps, { ...message, group: message.group }, extracted);
  const said = received(message, extracted);
  const { from, messageId, text, tooLong } = said;
  const log = logger.child({ messageId, from });

  // Cheap early answer for a redelivery, before any parsing or LLM call; the sender's account and
  // categories come in the same round trip.
  const before = await lookBack(deps.pool, from, messageId);
  if (before.earlier) return personalDuplicate(deps.pool, from, messageId, before.earlier);
  const delivery = deps.delivery ?? 'response';

  const existingUser = before.user;
  const sentAt = messageTime(message, now);
  const aiCalls: AiCall[] = [];
  // "dashboard", "lupa password": answered with a fresh one-time link, never parsed.
  const linkCommand = message.message_type === 'text' && Auth.isLinkCommand(text);
  const parsed = await understandReceived(deps.pool, {
    message,
    received: said,
    command: linkCommand,
    sentAt,
    book: existingUser,
    categories: before.categories,
    llm: deps.llm ?? null,
    aiCalls,
  });

  const outcome = await withOptimisticActs(deps.pool, async (tx) => {
    // Registration policy: an unknown number may be refused, and then only the log is kept.
    const admission = existingUser
      ? null
      : await Registration.admit(tx, from, config.REGISTRATION_POLICY, config.ALLOWED_NUMBERS);
    if (admission === 'refused')
      return refuse(tx, { from, messageId, message, delivery, channel: deps.channel ?? DEFAULT_CHANNEL });
    // One sender's messages take turns from here, so the rate limit below counts exactly.
    const known = existingUser ? await lockSender(tx, existingUser.id, sentAt) : null;
    const { user, created } = known
      ? { user: known.user, created: false }
      : await Users.findOrCreateByPhone(tx, from, {
          timezone: config.DEFAULT_TIMEZONE,
          status: admission === 'active' ? 'active' : 'pending',
        });
    if (!known) await Users.lockForSender(tx, user.id);
    // Logged with the sender's count of the last minute, for the per-sender rate limit below.
    const logged = await Messages.logInboundCounted(
      tx,
      { userId: user.id, from, messageId, type: message.message_type, body: said.body },
      60,
    );
    if (logged === null) return null; // a concurrent delivery of the same message won the race
    const { id: inboundId, recent } = logged;
    for (const call of [...aiCalls, ...(extracted?.aiCalls ?? [])]) await recordAiCall(tx, user.id, call);
    const media = extracted?.media ?? null;
    const mediaAssetId = media ? await registerAsset(tx, { userId: user.id, media, inboundId }) : null;

    // Per-sender rate limit: one polite note, then silence until the minute has passed.
    if (recent > config.RATE_LIMIT_PER_MINUTE + 1) {
      await Messages.markIntent(tx, inboundId, 'rate_limited');
      return { reply: '', intent: 'rate_limited', userId: user.id, outboxIds: [] };
    }
    const action = await respond(tx, {
      user,
      created,
      rateLimited: recent > config.RATE_LIMIT_PER_MINUTE,
      linkCommand,
      now,
      decideInput: {
        user,
        parsed,
        message,
        text,
        tooLong,
        sentAt,
        inboundId,
        extracted,
        mediaAssetId,
        ...(known ? { open: known.open, budgetedCategories: known.budgetedCategories } : {}),
        ...(known && before.categoryRows ? { categories: before.categoryRows } : {}),
      },
    });
    // A person first met in a household's group got no guide there (group.ts): it comes now.
    const welcome = created || user.greeted_at === null;
    if (welcome && !created) await Users.markGreeted(tx, user.id);
    const reply = welcome ? await withWelcome(tx, user, action) : action.reply;
    const outboxIds = await logAndQueueReply(
      tx,
      { inboundId, userId: user.id, to: from, intent: action.intent, reply },
      delivery === 'outbox' ? (deps.channel ?? DEFAULT_CHANNEL) : null,
      deps.onQueued,
    );
    return { reply, intent: action.intent, userId: user.id, outboxIds };
  });

  if (outcome === null) {
    const first = await winnersReply(deps.pool, from, messageId);
    return personalDuplicate(deps.pool, from, messageId, first);
  }
  log.info({ userId: outcome.userId, intent: outcome.intent }, 'message handled');
  return handledResult(messageId, outcome);
}

/** A redelivery in a personal chat: the first reply again, for the sender's own books. */
async function personalDuplicate(
  pool: DatabasePool,
  from: string,
  messageId: string,
  earlier: { in_id: number; intent: string | null; response: string | null },
): Promise<IncomingResult> {
  const user = await Users.findByPhone(pool, from);
  return duplicateResult(pool, { messageId, earlier, bookId: user?.id ?? null, origin: { from } });
}

/**
 * A first-time sender gets the welcome guide (SPEC.md onboarding) before the answer itself, and
 * the one-time link to set a dashboard password after it.
 */
async function withWelcome(
  tx: DatabaseTransactionConnection,
  user: Users.User,
  action: { reply: string; intent: string },
): Promise<string> {
  // A pending user (REGISTRATION_POLICY=open) learns how to activate in the same breath.
  const welcome =
    user.status === 'pending' ? `${Replies.WELCOME}\n${Registration.ACTIVATE_HINT}` : Replies.WELCOME;
  if (action.intent === 'dashboard_link') return `${welcome}\n\n${action.reply}`;
  const body = action.intent === 'help' || action.intent === 'smalltalk' ? Replies.HELP : action.reply;
  return `${welcome}\n\n${body}\n\n${await Auth.dashboardLinkLine(tx, user.id)}`;
}

/** A pending user's "ya": active from now on, and what was recorded meanwhile is confirmed. */
async function activation(tx: DatabaseTransactionConnection, userId: number) {
  const confirmed = await Registration.activate(tx, userId);
  const note = confirmed > 0 ? ` ${confirmed} transaksi yang tadi pending udah dikonfirmasi.` : '';
  return { intent: 'activate', reply: `✅ Akun kamu udah aktif!${note} Yuk catat terus 💪` };
}

/**
 * A number the registration policy keeps out: its message and the polite refusal are logged
 * (with no user), and nothing else is stored.
 */
async function refuse(
  tx: DatabaseTransactionConnection,
  input: {
    from: string;
    messageId: string;
    message: IncomingMessage;
    delivery: 'response' | 'outbox';
    channel: Channel;
  },
) {
  const inboundId = await Messages.logInbound(tx, {
    userId: null,
    from: input.from,
    messageId: input.messageId,
    type: input.message.message_type,
    body: input.message.text?.slice(0, LOGGED_BODY_LIMIT) ?? null,
  });
  if (inboundId === null) return null;
  const reply = Registration.REFUSED;
  const outboxIds = await logAndQueueReply(
    tx,
    { inboundId, userId: null, to: input.from, intent: 'refused', reply },
    input.delivery === 'outbox' ? input.channel : null,
  );
  return { reply, intent: 'refused', userId: 0, outboxIds };
}

/** What this message gets, in order of precedence: limits and account state before meaning. */
async function respond(
  tx: DatabaseTransactionConnection,
  input: {
    user: Users.User;
    created: boolean;
    rateLimited: boolean;
    linkCommand: boolean;
    now: Date;
    decideInput: DecideInput;
  },
): Promise<{ reply: string; intent: string }> {
  const { user } = input;
  if (input.rateLimited) return { intent: 'rate_limited', reply: Replies.SLOW_DOWN };
  if (input.linkCommand) {
    return { intent: 'dashboard_link', reply: await Auth.dashboardLinkLine(tx, user.id) };
  }
  if (user.status === 'blocked') return { intent: 'blocked', reply: Registration.BLOCKED };
  if (user.status === 'pending' && !input.created && Registration.isActivation(input.decideInput.text)) {
    // The "ya" also answers an open "bener? Balas *ya*" of a receipt or voice note (media.ts).
    const { parsed, text, sentAt } = input.decideInput;
    const answer = parsed
      ? await answerConfirmation(tx, { userId: user.id, parsed, text, at: sentAt })
      : null;
    const activated = await activation(tx, user.id);
    return answer ? { ...activated, reply: `${activated.reply}\n${answer.reply}` } : activated;
  }
  return decide(tx, input.decideInput);
}
