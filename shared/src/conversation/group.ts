/**
 * Household books (issue 15): a message written in a WhatsApp group. The group's books are a
 * `users` row of kind 'household' (migration 013), so once the writer is known as a member the
 * message goes through the same reading and intents as a personal chat (decide.ts), on the
 * household's books, tagged with its author (Households.actAs) and with the author's own open
 * questions (state.ts keys them per member).
 *
 * Decisions (for the README):
 * - A group that is not an active household is silent: no log row, no user, no reply — the bot
 *   only reads `aktifkan kantong` there. Said by a registered, active person it makes the group a
 *   household (its name from the group's subject, else "Keluarga") with them as owner; said by an
 *   unknown or pending number it gets a short reply to chat Kantong personally first (logged, so
 *   a redelivery does not answer twice). A deactivated household comes back on by `aktifkan
 *   kantong` from one of its owners still in the group, or from anyone registered when no owner
 *   is left.
 * - Everyone who writes in an active household's group becomes a member (role member), their
 *   personal account registered by number as in a personal chat; a number the registration
 *   policy refuses, or a blocked account, is ignored silently. A pending account may book into
 *   the household: the household's books are active (an active owner vouched for them), and the
 *   pending rules stay with the person's own books. A sender WhatsApp names by LID alone is a
 *   member by LID, with no account (no private dashboard link for them).
 * - Viewers and members who left the group read (reports, balances, debts, savings, `anggota`,
 *   help) but anything that books or changes is refused with a friendly reply. A member who left
 *   books again only after the host reports them back in the group (a `joined` event): a message
 *   after removal can only be a stale one.
 * - Owners: `matikan kantong`, `jadikan <nomor|@mention> viewer|member|owner` (anggota/pemilik/
 *   penonton too); a household always keeps one owner in the group. `anggota` lists the members.
 * - Replies go to the group. A reply to a message that books names its author ("✅ Dicatat buat
 *   Budi: …"; other replies to a writing message start "Budi: …"), reads are not signed. The
 *   name: the one the person gave their account, else their WhatsApp name, else "…1234".
 * - No welcome guide in a group: a member's first message gets one short line (they are now in
 *   the shared books; personal chat stays private). The guide and the dashboard link come with
 *   their first personal chat (index.ts).
 * - `dashboard` in a group sends the one-time link to the member's personal chat and says so in
 *   the group: a link that signs in must never be posted where others read it.
 * - In a household, `hapus transaksi terakhir` and `ganti <kategori>` act on the writer's own
 *   last booking, never on someone else's.
 * - Membership events from the host (`group.event`): `left` marks the members left (and drops
 *   their open question), `joined` brings back members who had left; no reply, logged once.
 */
import { z } from 'zod';
import * as Auth from '../auth/index.ts';
import { getConfig } from '../config.ts';
import { type DatabasePool, type DatabaseTransactionConnection, IdRow, sql } from '../db/pool.ts';
import { isActivationCommand, isDeactivationCommand } from '../households/commands.ts';
import * as Households from '../households/index.ts';
import { logger } from '../logger.ts';
import * as Messages from '../messages/index.ts';
import { type AiCall, recordAiCall } from '../nlu/index.ts';
import type { ParseResult } from '../nlu/schema.ts';
import * as Outbox from '../outbox/index.ts';
import type { GroupRef } from '../queue/envelope.ts';
import { type Channel, DEFAULT_CHANNEL } from '../queue/topology.ts';
import * as Users from '../users/index.ts';
import * as Registration from '../users/registration.ts';
import { logAndQueueReply } from './answer.ts';
import type { Action } from './book.ts';
import { type DecideInput, decide } from './decide.ts';
import { duplicateResult, handledResult, winnersReply } from './duplicate.ts';
import type { ConversationDeps } from './index.ts';
import { withOptimisticActs } from './intents.ts';
import { type Extracted, registerAsset } from './media.ts';
import { LOGGED_BODY_LIMIT, messageTime, type Received, received, understandReceived } from './received.ts';
import * as Replies from './replies.ts';
import type { IncomingMessage, IncomingResult } from './schema.ts';

/** The group's name when WhatsApp gave none. */
const DEFAULT_HOUSEHOLD_NAME = 'Keluarga';

// ---------------------------------------------------------------------------------------------
// Commands typed in a group

export type GroupCommand =
  | { kind: 'activate' }
  | { kind: 'deactivate' }
  | { kind: 'members' }
  | { kind: 'dashboard' }
  | { kind: 'role'; target: string; role: Households.Role };

/**
 * A message as a command reads it: lower case, @mentions out ("@Kantong", "@6281…": people tag
 * the bot in groups), punctuation out, spaces single.
 */
export function commandWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/@\S+/g, ' ')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const MEMBERS = /^(?:(?:daftar|lihat|cek|siapa)\s+)?(?:anggota|member)(?:\s+(?:kantong|grup|buku))?$/;
const ROLE_WORDS: Record<string, Households.Role> = {
  viewer: 'viewer',
  penonton: 'viewer',
  member: 'member',
  anggota: 'member',
  owner: 'owner',
  pemilik: 'owner',
  admin: 'owner',
};
const ROLE =
  /^jadikan\s+([@+\d][\d\s\-.()+@]*?)\s+(?:sebagai\s+|jadi\s+)?(viewer|penonton|member|anggota|owner|pemilik|admin)$/;

/** The group command `text` is, or null for an ordinary message. */
export function groupCommand(text: string): GroupCommand | null {
  const words = commandWords(text);
  // The host forwards a non-household group's message only when it is this very command.
  if (isActivationCommand(text)) return { kind: 'activate' };
  if (isDeactivationCommand(text)) return { kind: 'deactivate' };
  if (MEMBERS.test(words)) return { kind: 'members' };
  if (Auth.isLinkCommand(words)) return { kind: 'dashboard' };
  // The target keeps its digits, whichever way it was written: "0812…", "+62 812-…", "@62812…".
  const role = ROLE.exec(
    text
      .toLowerCase()
      .replace(/[.!?]+$/, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  const target = role?.[1]?.replace(/\D/g, '') ?? '';
  const roleWord = role?.[2];
  if (roleWord && target.length >= 6) return { kind: 'role', target, role: ROLE_WORDS[roleWord] ?? 'member' };
  return null;
}

// ---------------------------------------------------------------------------------------------
// What members may do

/** What only reads the books: allowed for viewers and for members who left. */
const READ_INTENTS: ReadonlySet<ParseResult['intent']> = new Set([
  'get_report',
  'get_savings',
  'get_debts',
  'get_balance',
  'help',
  'smalltalk',
]);

/**
 * Whether a message would book or change something: every intent but the reads (a clarification
 * leads to a booking), a receipt photo or document; a voice note by what it says. An unheard
 * voice note, empty or over-long text change nothing.
 */
export function writes(input: {
  message: Pick<IncomingMessage, 'message_type'>;
  parsed: ParseResult | null;
  extracted: Extracted | undefined;
}): boolean {
  if (input.extracted?.kind === 'receipt') return true;
  // A photo or document is a receipt to book, read or not (functions/src/media.ts does not read
  // one from a member who may not book, so it arrives here unread).
  if (input.message.message_type === 'image' || input.message.message_type === 'document') return true;
  if (input.message.message_type !== 'text' && input.extracted?.kind !== 'transcript') return false;
  return input.parsed !== null && !READ_INTENTS.has(input.parsed.intent);
}

export const canWrite = Households.canBook;

/** "✅ Catat pengeluaran …" → "✅ Dicatat buat Budi: pengeluaran …"; any other reply "Budi: …". */
export function signed(name: string, reply: string): string {
  if (reply.length === 0) return reply;
  const booked = '✅ Catat ';
  if (reply.includes(booked)) return reply.replace(booked, `✅ Dicatat buat ${name}: `);
  return `${name}: ${reply}`;
}

// ---------------------------------------------------------------------------------------------
// Replies

export function activatedReply(name: string, ownerName: string): string {
  return [
    `✅ Kantong aktif di grup ini! Buku bersama *${name}* siap dipakai, ${ownerName} jadi owner.`,
    "• Semua anggota grup bisa langsung catat, contoh: 'beli beras 65rb' atau kirim foto struk. Tiap catatan ditandai siapa yang nulis.",
    '• Peran: owner & member bisa mencatat; viewer cuma bisa lihat laporan dan saldo.',
    "• Laporan bareng: 'laporan bulan ini' (ada rincian per orang). Budget & tabungan di sini juga punya bersama, contoh: 'buat tabungan mudik 5jt'.",
    "• Owner bisa ubah peran: 'jadikan 0812xxxx viewer' (atau member/owner), lihat 'anggota', dan 'matikan kantong' buat berhenti (datanya tetap aman).",
    "• Catatan pribadi tetap di chat pribadi sama aku, nggak kelihatan di grup. Link dashboard? Ketik 'dashboard', aku kirim lewat chat pribadi.",
  ].join('\n');
}

export const REACTIVATED = (name: string) =>
  `✅ Kantong aktif lagi di grup ini. Buku bersama *${name}* dan catatan lamanya masih ada, lanjut catat aja.`;
export const ALREADY_ACTIVE = (name: string) =>
  `Kantong udah aktif di grup ini kok (buku bersama *${name}*). Langsung catat aja, contoh: 'beli beras 65rb'.`;
export const REGISTER_FIRST =
  'Halo! Buat aktifin Kantong di grup ini, chat aku langsung dulu ya (japri) biar akunmu terdaftar dan aktif. Abis itu ketik lagi *aktifkan kantong* di sini.';
export const OWNERS_ONLY_REACTIVATE = 'Buku bersama grup ini cuma bisa dinyalain lagi sama owner-nya.';
export const DEACTIVATED =
  '👋 Oke, Kantong berhenti di grup ini. Catatannya tetap aman; owner bisa ketik *aktifkan kantong* kapan aja buat lanjut.';
export const OWNERS_ONLY = (name: string) =>
  `Maaf ${name}, cuma owner yang bisa ngatur Kantong di grup ini (matikan kantong, ubah peran).`;
export const VIEWER_REFUSED = (name: string) =>
  `Maaf ${name}, kamu *viewer* di buku bersama ini: bisa lihat laporan & saldo, tapi nggak bisa mencatat. Minta owner ketik 'jadikan <nomormu> member' kalau mau ikut nyatat.`;
export const LEFT_REFUSED = (name: string) =>
  `Maaf ${name}, kamu udah nggak tercatat di grup ini, jadi nggak bisa mencatat ke buku bersamanya.`;
export const LAST_OWNER =
  'Buku bersama ini harus punya minimal satu owner. Jadikan orang lain owner dulu ya.';
export const UNKNOWN_MEMBER =
  'Nomor itu belum jadi anggota buku bersama ini. Dia perlu nulis sesuatu di grup dulu, baru bisa diatur perannya.';
export const LINK_SENT = (name: string) =>
  `🔒 ${name}, link dashboard-nya udah aku kirim lewat chat pribadi ya (link sekali pakai, jangan dibagi).`;
export const LINK_NEEDS_NUMBER =
  "Aku belum tahu nomormu dari grup ini. Chat aku langsung terus ketik 'dashboard' di sana ya.";
export const FIRST_MESSAGE = (name: string, book: string) =>
  `👋 Halo ${name}, kamu sekarang ikut buku bersama *${book}*. Catatan pribadimu tetap terpisah di chat pribadi sama aku.`;

/** What `bantuan` adds in a group: the household's own commands. */
export const GROUP_HELP =
  "• Di grup ini: 'anggota' (siapa aja & perannya), 'dashboard' (link lewat chat pribadi); owner: 'jadikan 0812xxxx viewer/member/owner', 'matikan kantong'";

const ROLE_NOTE: Record<Households.Role, string> = {
  owner: 'bisa mencatat dan ngatur grup',
  member: 'bisa mencatat',
  viewer: 'cuma bisa lihat laporan',
};

// ---------------------------------------------------------------------------------------------
// The flow

type GroupMessage = IncomingMessage & { group: GroupRef };

type Outcome = {
  reply: string;
  intent: string;
  userId: number;
  outboxIds: number[];
};

function ignored(messageId: string): IncomingResult {
  return {
    status: 'ok',
    reply: '',
    intent: 'group_ignored',
    user_id: 0,
    message_id: messageId,
    duplicate: false,
    outbox_ids: [],
  };
}

/** Handles a message written in a group (`message.group` set). */
export async function handleGroupMessage(
  deps: ConversationDeps,
  message: GroupMessage,
  extracted?: Extracted,
): Promise<IncomingResult> {
  const config = getConfig();
  const now = deps.now?.() ?? new Date();
  const { group } = message;
  const said = received(message, extracted);
  const { from, messageId, text } = said;
  const log = logger.child({ messageId, from, group: group.jid });
  const earlier = await Messages.findReply(deps.pool, from, messageId);
  if (earlier) return groupDuplicate(deps.pool, group.jid, messageId, earlier);

  const household = await Households.findByGroup(deps.pool, group.jid);
  const ctx: Context = {
    deps,
    message,
    from,
    messageId,
    delivery: deps.delivery ?? 'response',
    channel: deps.channel ?? DEFAULT_CHANNEL,
    now,
  };
  let outcome: Outcome | null | 'ignored';
  if (group.event) {
    outcome = household ? await membershipEvent(ctx, household, group.event) : 'ignored';
  } else {
    const command = message.message_type === 'text' ? groupCommand(text) : null;
    if (!household?.active) {
      outcome = command?.kind === 'activate' ? await activation(ctx, household) : 'ignored';
    } else {
      outcome = await bookMessage(ctx, household, { said, command, extracted, config });
    }
  }
  if (outcome === 'ignored') return ignored(messageId);
  if (outcome === null) {
    const first = await winnersReply(deps.pool, from, messageId);
    return groupDuplicate(deps.pool, group.jid, messageId, first);
  }
  log.info({ userId: outcome.userId, intent: outcome.intent }, 'group message handled');
  return handledResult(messageId, outcome);
}

type Context = {
  deps: ConversationDeps;
  message: GroupMessage;
  from: string;
  messageId: string;
  delivery: 'response' | 'outbox';
  channel: Channel;
  now: Date;
};

/** A redelivery in a group: the first reply again, for the household's books. */
async function groupDuplicate(
  pool: DatabasePool,
  groupJid: string,
  messageId: string,
  earlier: { in_id: number; intent: string | null; response: string | null },
): Promise<IncomingResult> {
  const household = await Households.findByGroup(pool, groupJid);
  return duplicateResult(pool, {
    messageId,
    earlier,
    bookId: household?.book_id ?? null,
    origin: { group: groupJid },
  });
}

/** Logs the reply to the group and, with outbox delivery, queues it there. */
async function answer(
  tx: DatabaseTransactionConnection,
  ctx: Context,
  input: { inboundId: number; userId: number | null; intent: string; reply: string },
): Promise<number[]> {
  const to = ctx.message.group.jid;
  const send = ctx.delivery === 'outbox' && input.reply.length > 0;
  return logAndQueueReply(tx, { ...input, to }, send ? ctx.channel : null, ctx.deps.onQueued);
}

function logGroupInbound(
  tx: DatabaseTransactionConnection,
  ctx: Context,
  userId: number | null,
  body: string | null,
) {
  return Messages.logInbound(tx, {
    userId,
    from: ctx.from,
    messageId: ctx.messageId,
    type: ctx.message.message_type,
    body: body?.slice(0, LOGGED_BODY_LIMIT) ?? null,
    chat: ctx.message.group.jid,
  });
}

/** "aktifkan kantong" in a group that is not (or no longer) an active household. */
async function activation(ctx: Context, existing: Households.Household | null): Promise<Outcome | null> {
  const { message } = ctx;
  const person =
    message.from_number === null ? null : await Users.findByPhone(ctx.deps.pool, message.from_number);
  return ctx.deps.pool.transaction(async (tx) => {
    if (person?.status !== 'active') {
      const inboundId = await logGroupInbound(tx, ctx, person?.id ?? null, message.text ?? null);
      if (inboundId === null) return null;
      const reply = REGISTER_FIRST;
      const outboxIds = await answer(tx, ctx, {
        inboundId,
        userId: null,
        intent: 'group_register_first',
        reply,
      });
      return { reply, intent: 'group_register_first', userId: 0, outboxIds };
    }
    if (existing && !(await mayReactivate(tx, existing.book_id, person.id))) {
      const inboundId = await logGroupInbound(tx, ctx, existing.book_id, message.text ?? null);
      if (inboundId === null) return null;
      const reply = OWNERS_ONLY_REACTIVATE;
      const outboxIds = await answer(tx, ctx, {
        inboundId,
        userId: existing.book_id,
        intent: 'group_owners_only',
        reply,
      });
      return { reply, intent: 'group_owners_only', userId: existing.book_id, outboxIds };
    }
    const { household, owner, created } = await Households.activate(tx, {
      groupJid: message.group.jid,
      name: message.group.name?.trim() || DEFAULT_HOUSEHOLD_NAME,
      owner: { id: person.id, timezone: person.timezone },
      ownerName: message.group.sender_name,
    });
    const inboundId = await logGroupInbound(tx, ctx, household.book_id, message.text ?? null);
    // A concurrent delivery of this very message got there first (and activated the same household:
    // ours found it and only switched it on again), so it answers as a duplicate.
    if (inboundId === null) return null;
    const ownerName = nameOf(owner, person);
    const reply = created ? activatedReply(household.name, ownerName) : REACTIVATED(household.name);
    const intent = 'group_activate';
    const outboxIds = await answer(tx, ctx, { inboundId, userId: household.book_id, intent, reply });
    return { reply, intent, userId: household.book_id, outboxIds };
  });
}

/** A deactivated household is switched back on by an owner still in the group, or by anyone when none is. */
async function mayReactivate(
  tx: DatabaseTransactionConnection,
  bookId: number,
  personId: number,
): Promise<boolean> {
  const role = await Households.roleOf(tx, bookId, personId);
  return role === 'owner' || (await Households.activeOwners(tx, bookId)) === 0;
}

function nameOf(member: Households.Member, person: Users.User | null): string {
  return Households.authorName({
    accountName: person?.name ?? null,
    phone: person?.phone ?? null,
    displayName: member.display_name,
    lid: member.lid,
  });
}

/** A membership change the host saw: no reply, logged once (the message id dedupes it). */
async function membershipEvent(
  ctx: Context,
  household: Households.Household,
  event: NonNullable<GroupRef['event']>,
): Promise<Outcome | null> {
  const phones = event.members.flatMap((member) => (member.phone ? [member.phone] : []));
  const lids = event.members.flatMap((member) => (member.lid ? [member.lid] : []));
  return ctx.deps.pool.transaction(async (tx) => {
    const inboundId = await logGroupInbound(
      tx,
      ctx,
      household.book_id,
      `[${event.kind}: ${event.members.length}]`,
    );
    if (inboundId === null) return null;
    const accounts = await tx.anyFirst(sql.type(IdRow)`
      SELECT id FROM users WHERE kind = 'person' AND phone = ANY(${sql.array(phones, 'text')})`);
    const who = { userIds: [...accounts], lids };
    const intent = event.kind === 'left' ? 'group_left' : 'group_joined';
    if (event.kind === 'left') {
      await Households.markLeft(tx, household.book_id, who);
      // Their open questions go with them: nothing of theirs may be completed after they left.
      await tx.query(sql.unsafe`
        DELETE FROM conversation_state cs USING household_members m
        WHERE cs.member_id = m.id AND m.book_id = ${household.book_id} AND m.left_at IS NOT NULL`);
    } else {
      await Households.markRejoined(tx, household.book_id, who);
    }
    await Messages.markIntent(tx, inboundId, intent);
    return { reply: '', intent, userId: household.book_id, outboxIds: [] };
  });
}

/** An ordinary message (or an owner's command) in an active household's group. */
async function bookMessage(
  ctx: Context,
  household: Households.Household,
  input: {
    said: Received;
    command: GroupCommand | null;
    extracted: Extracted | undefined;
    config: ReturnType<typeof getConfig>;
  },
): Promise<Outcome | null | 'ignored'> {
  const { deps, message } = ctx;
  const { config, extracted } = input;
  const { text, tooLong } = input.said;
  const existingPerson =
    message.from_number === null ? null : await Users.findByPhone(deps.pool, message.from_number);
  if (existingPerson?.status === 'blocked') return 'ignored';
  const admission =
    existingPerson || message.from_number === null
      ? null
      : await Registration.admit(
          deps.pool,
          message.from_number,
          config.REGISTRATION_POLICY,
          config.ALLOWED_NUMBERS,
        );
  // A number the registration policy refuses is ignored in a group: no refusal posted there.
  if (admission === 'refused') return 'ignored';
  const book = await Users.findById(deps.pool, household.book_id);
  if (!book) throw new Error(`household ${household.book_id} has no books`);

  const sentAt = messageTime(message, ctx.now);
  const aiCalls: AiCall[] = [];
  const parsed = await understandReceived(deps.pool, {
    message,
    received: input.said,
    command: input.command !== null,
    sentAt,
    book,
    llm: deps.llm ?? null,
    aiCalls,
  });

  return withOptimisticActs(deps.pool, async (tx) => {
    // The household's messages take turns, so the members' bookings and questions never interleave.
    await Users.lockForSender(tx, book.id);
    const inboundId = await logGroupInbound(tx, ctx, book.id, input.said.body);
    if (inboundId === null) return null;
    const person =
      existingPerson ??
      (message.from_number === null
        ? null
        : (
            await Users.findOrCreateByPhone(tx, message.from_number, {
              timezone: config.DEFAULT_TIMEZONE,
              status: admission === 'active' ? 'active' : 'pending',
              // No guide in the group (see the header): it comes with their first personal chat.
              welcomeOwed: true,
            })
          ).user);
    const who = { userId: person?.id ?? null, lid: message.group.sender_lid };
    const known = await Households.findMember(tx, book.id, who);
    // One who left stays left (see the header); anyone else is added or refreshed (name, LID).
    const member = known?.left_at
      ? known
      : await Households.addMember(tx, { bookId: book.id, ...who, displayName: message.group.sender_name });
    await Households.actAs(tx, member.id);
    for (const call of [...aiCalls, ...(extracted?.aiCalls ?? [])]) await recordAiCall(tx, book.id, call);
    const media = extracted?.media ?? null;
    const mediaAssetId = media ? await registerAsset(tx, { userId: book.id, media, inboundId }) : null;

    const recent = await Messages.countRecentInbound(tx, ctx.from, 60);
    if (recent > config.RATE_LIMIT_PER_MINUTE + 1) {
      await Messages.markIntent(tx, inboundId, 'rate_limited');
      return { reply: '', intent: 'rate_limited', userId: book.id, outboxIds: [] };
    }
    const name = nameOf(member, person);
    const privateIds: number[] = [];
    const decideInput: DecideInput = {
      user: book,
      parsed,
      message,
      text,
      tooLong,
      sentAt,
      inboundId,
      extracted,
      mediaAssetId,
      memberId: member.id,
    };
    let action: Action;
    if (recent > config.RATE_LIMIT_PER_MINUTE) {
      action = { intent: 'rate_limited', reply: `${name}: ${Replies.SLOW_DOWN}` };
    } else if (input.command) {
      action = await command(tx, ctx, {
        command: input.command,
        household,
        member,
        person,
        name,
        inboundId,
        privateIds,
      });
    } else if (!canWrite(member) && writes({ message, parsed, extracted })) {
      action = {
        intent: member.left_at ? 'group_left_refused' : 'group_viewer_refused',
        reply: member.left_at ? LEFT_REFUSED(name) : VIEWER_REFUSED(name),
      };
    } else {
      const decided = await decide(tx, decideInput);
      action = writes({ message, parsed, extracted })
        ? { ...decided, reply: signed(name, decided.reply) }
        : decided.intent === 'help'
          ? { ...decided, reply: `${decided.reply}\n${GROUP_HELP}` }
          : decided;
    }
    const reply = known === null ? `${action.reply}\n\n${FIRST_MESSAGE(name, household.name)}` : action.reply;
    const outboxIds = await answer(tx, ctx, { inboundId, userId: book.id, intent: action.intent, reply });
    return { reply, intent: action.intent, userId: book.id, outboxIds: [...outboxIds, ...privateIds] };
  });
}

async function command(
  tx: DatabaseTransactionConnection,
  ctx: Context,
  input: {
    command: GroupCommand;
    household: Households.Household;
    member: Households.Member;
    person: Users.User | null;
    name: string;
    inboundId: number;
    /** Where a message to the member's personal chat is queued (the dashboard link). */
    privateIds: number[];
  },
): Promise<Action> {
  const { household, member, name } = input;
  const owner = member.role === 'owner' && member.left_at === null;
  switch (input.command.kind) {
    case 'activate':
      return { intent: 'group_already_active', reply: ALREADY_ACTIVE(household.name) };
    case 'members':
      return { intent: 'group_members', reply: await membersList(tx, household) };
    case 'dashboard':
      return privateLink(tx, ctx, input);
    case 'deactivate': {
      if (!owner) return { intent: 'group_owners_only', reply: OWNERS_ONLY(name) };
      await Households.deactivate(tx, household.book_id);
      return { intent: 'group_deactivate', reply: DEACTIVATED };
    }
    case 'role': {
      if (!owner) return { intent: 'group_owners_only', reply: OWNERS_ONLY(name) };
      return changeRole(tx, household, input.command);
    }
  }
}

/** "jadikan 0812… viewer": the target by number (their account) or by LID (a mention names them so). */
async function changeRole(
  tx: DatabaseTransactionConnection,
  household: Households.Household,
  change: { target: string; role: Households.Role },
): Promise<Action> {
  const account = await Users.findByPhone(tx, Users.normalisePhone(change.target));
  const target =
    (account
      ? await Households.findMember(tx, household.book_id, { userId: account.id, lid: null })
      : null) ?? (await Households.findMember(tx, household.book_id, { userId: null, lid: change.target }));
  if (!target || target.left_at) return { intent: 'group_role_unknown', reply: UNKNOWN_MEMBER };
  if (
    target.role === 'owner' &&
    change.role !== 'owner' &&
    (await Households.activeOwners(tx, household.book_id)) <= 1
  )
    return { intent: 'group_role_last_owner', reply: LAST_OWNER };
  const updated = await Households.setRole(tx, household.book_id, target.id, change.role);
  // A viewer has no open question left to complete: what they asked before stays unbooked.
  if (change.role === 'viewer')
    await tx.query(sql.unsafe`DELETE FROM conversation_state WHERE member_id = ${updated.id}`);
  const person = updated.user_id === null ? null : await Users.findById(tx, updated.user_id);
  const who = nameOf(updated, person);
  return {
    intent: 'group_role',
    reply: `✅ ${who} sekarang *${change.role}* di buku bersama ${household.name} (${ROLE_NOTE[change.role]}).`,
  };
}

async function membersList(
  tx: DatabaseTransactionConnection,
  household: Households.Household,
): Promise<string> {
  const rows = await tx.any(sql.type(
    z.object({ name: z.string(), role: Households.RoleSchema, left: z.boolean() }),
  )`
    SELECT ${Households.authorNameSql} AS name, m.role, m.left_at IS NOT NULL AS left
    FROM household_members m LEFT JOIN users p ON p.id = m.user_id
    WHERE m.book_id = ${household.book_id}
    ORDER BY m.left_at IS NOT NULL, CASE m.role WHEN 'owner' THEN 0 WHEN 'member' THEN 1 ELSE 2 END, m.id`);
  const lines = rows.map((row) => `• ${row.name}: ${row.role}${row.left ? ' (udah keluar grup)' : ''}`);
  return [`👥 Anggota buku bersama *${household.name}*:`, ...lines].join('\n');
}

/** "dashboard" in a group: the one-time link goes to the member's personal chat, never the group. */
async function privateLink(
  tx: DatabaseTransactionConnection,
  ctx: Context,
  input: { person: Users.User | null; name: string; privateIds: number[] },
): Promise<Action> {
  const { person } = input;
  if (!person?.phone) return { intent: 'group_dashboard_no_number', reply: LINK_NEEDS_NUMBER };
  // Always through the outbox, whatever the delivery: the HTTP response answers the group.
  const id = await Outbox.enqueue(tx, {
    userId: person.id,
    to: person.phone,
    body: await Auth.dashboardLinkLine(tx, person.id),
    inReplyTo: null,
    channel: ctx.channel,
  });
  input.privateIds.push(id);
  return { intent: 'group_dashboard_link', reply: LINK_SENT(input.name) };
}
