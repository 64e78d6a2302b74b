/**
 * Groups on the WhatsApp side (issue 15): which groups are households (and so for Kantong at
 * all), what WhatsApp says about a group (its name, and who its members are by number and LID),
 * and who wrote a group message.
 *
 * Group metadata is rate-limited by WhatsApp (`rate-overlimit`): it is looked up once per group
 * and kept for an hour, patched from the `groups.update` / `group-participants.update` events
 * instead of looked up again, never looked up twice at once for one group, and on an error the
 * last copy (however old) is used, or none — a group message is never lost to a metadata error.
 * The same cache is Baileys' `cachedGroupMetadata`, so its own sends to a group use it too.
 */

import { type DatabasePool, sql } from '@kantong/shared/db';
import { isActivationCommand } from '@kantong/shared/households';
import type { Logger } from '@kantong/shared/logger';
import {
  type GroupMetadata,
  type GroupParticipant,
  isLidUser,
  isPnUser,
  jidDecode,
  jidNormalizedUser,
  proto,
} from 'baileys';
import { z } from 'zod';
import { phoneOf } from './socket.ts';

export type Now = () => number;

/** How long a group's metadata is trusted without a new lookup. */
export const METADATA_TTL_MS = 60 * 60_000;
/** After a failed lookup, how long the group is not looked up again (rate-overlimit lasts). */
export const METADATA_RETRY_MS = 60_000;

type Entry = { metadata: GroupMetadata | undefined; fetchedAt: number; retryAt: number };

/** Per-group metadata, one lookup at a time per group, the stale copy on errors. */
export class GroupMetadataCache {
  readonly #fetch: (jid: string) => Promise<GroupMetadata>;
  readonly #now: Now;
  readonly #log: Logger | undefined;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<GroupMetadata | undefined>>();
  readonly #counted: ((outcome: 'ok' | 'failed') => void) | undefined;
  /** Lookups made, for the metrics and tests. */
  lookups = 0;

  constructor(options: {
    fetch: (jid: string) => Promise<GroupMetadata>;
    now?: Now;
    log?: Logger;
    ttlMs?: number;
    /** Told of every lookup's outcome (the host's metrics). */
    counted?: (outcome: 'ok' | 'failed') => void;
  }) {
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
    this.#ttlMs = options.ttlMs ?? METADATA_TTL_MS;
    this.#counted = options.counted;
  }

  /** The group's metadata: cached, else looked up (once, however many ask); never throws. */
  get(jid: string): Promise<GroupMetadata | undefined> {
    const entry = this.#entries.get(jid);
    const now = this.#now();
    if (entry && (now - entry.fetchedAt < this.#ttlMs || now < entry.retryAt)) {
      return Promise.resolve(entry.metadata);
    }
    const running = this.#inFlight.get(jid);
    if (running) return running;
    const lookup = this.#lookup(jid, entry).finally(() => this.#inFlight.delete(jid));
    this.#inFlight.set(jid, lookup);
    return lookup;
  }

  async #lookup(jid: string, stale: Entry | undefined): Promise<GroupMetadata | undefined> {
    this.lookups += 1;
    try {
      const metadata = await this.#fetch(jid);
      this.#entries.set(jid, { metadata, fetchedAt: this.#now(), retryAt: 0 });
      this.#counted?.('ok');
      return metadata;
    } catch (error) {
      this.#counted?.('failed');
      // rate-overlimit (or the socket is down): the old copy serves, and the group is left alone
      // for a while, so every message of a busy group does not ask again and prolong the limit.
      this.#log?.warn(
        { err: error, group: jid, stale: Boolean(stale?.metadata) },
        'group metadata lookup failed; using the last copy',
      );
      this.#entries.set(jid, {
        metadata: stale?.metadata,
        fetchedAt: stale?.fetchedAt ?? Number.NEGATIVE_INFINITY,
        retryAt: this.#now() + METADATA_RETRY_MS,
      });
      return stale?.metadata;
    }
  }

  /** The copy at hand, however old, without a lookup. */
  peek(jid: string): GroupMetadata | undefined {
    return this.#entries.get(jid)?.metadata;
  }

  /** Whole metadata WhatsApp sent by itself (`groups.upsert`: a group created or joined). */
  set(metadata: GroupMetadata): void {
    this.#entries.set(metadata.id, { metadata, fetchedAt: this.#now(), retryAt: 0 });
  }

  /** `groups.update`: a new subject, settings… patched in; nothing known yet, nothing to patch. */
  update(patch: Partial<GroupMetadata>): void {
    if (!patch.id) return;
    const entry = this.#entries.get(patch.id);
    if (!entry?.metadata) return;
    const { author: _author, authorPn: _authorPn, ...fields } = patch;
    entry.metadata = { ...entry.metadata, ...fields, participants: entry.metadata.participants };
  }

  /**
   * `group-participants.update`: people added or gone are patched in (no lookup); a promotion or
   * a changed number makes the copy stale, looked up again when next needed.
   */
  participants(event: { id: string; participants: GroupParticipant[]; action: string }): void {
    const entry = this.#entries.get(event.id);
    if (!entry?.metadata) return;
    const same = (a: GroupParticipant, b: GroupParticipant) =>
      a.id === b.id ||
      (a.lid !== undefined && a.lid === b.lid) ||
      (a.phoneNumber !== undefined && a.phoneNumber === b.phoneNumber);
    const current = entry.metadata.participants;
    if (event.action === 'add') {
      const added = event.participants.filter((person) => !current.some((known) => same(known, person)));
      entry.metadata = { ...entry.metadata, participants: [...current, ...added] };
    } else if (event.action === 'remove') {
      entry.metadata = {
        ...entry.metadata,
        participants: current.filter((known) => !event.participants.some((gone) => same(known, gone))),
      };
    } else {
      entry.fetchedAt = Number.NEGATIVE_INFINITY;
      entry.retryAt = 0;
    }
  }
}

/** A LID JID's digits ("123…@lid" → "123…"), or null for anything else. */
export function lidOf(jid: string | null | undefined): string | null {
  if (!jid || !isLidUser(jid)) return null;
  const user = jidDecode(jid)?.user;
  return user && /^[0-9]{6,24}$/.test(user) ? user : null;
}

/** A member as WhatsApp may name them: by number, LID or both. */
export type Person = { phone: string | null; lid: string | null };

/** What a group's metadata says about one member: their number and LID, when it lists them. */
export function findInMetadata(metadata: GroupMetadata | undefined, who: Person): Person | null {
  if (!metadata) return null;
  for (const participant of metadata.participants) {
    const ids = [participant.id, participant.lid, participant.phoneNumber].map((jid) =>
      jid ? jidNormalizedUser(jid) : undefined,
    );
    const phone = ids.map(phoneOf).find(Boolean) ?? null;
    const lid = ids.map(lidOf).find(Boolean) ?? null;
    if ((who.lid && lid === who.lid) || (who.phone && phone === who.phone)) return { phone, lid };
  }
  return null;
}

/**
 * Who a group member is: the number from the JID or its alternative, then the LID store, then the
 * group's metadata; the LID whenever WhatsApp gave one. `phone` null: only the LID is known (the
 * member's stable identity then, issue 15 item 6).
 */
export async function identify(
  jids: (string | null | undefined)[],
  lookups: {
    resolveLid?: ((lidJid: string) => Promise<string | null>) | undefined;
    metadata?: (() => Promise<GroupMetadata | undefined>) | undefined;
  },
): Promise<Person> {
  const normalised = jids.filter((jid): jid is string => Boolean(jid)).map((jid) => jidNormalizedUser(jid));
  let phone = normalised.map(phoneOf).find(Boolean) ?? null;
  const lid = normalised.map(lidOf).find(Boolean) ?? null;
  if (!phone && lid && lookups.resolveLid) {
    phone = phoneOf(await lookups.resolveLid(`${lid}@lid`).catch(() => null));
  }
  if (!phone && lid && lookups.metadata) {
    phone = findInMetadata(await lookups.metadata(), { phone: null, lid })?.phone ?? null;
  }
  return { phone, lid };
}

/** How long the host trusts what it read about a group being a household. */
export const HOUSEHOLD_TTL_MS = 5_000;
/**
 * After "aktifkan kantong" passes, the group's messages are forwarded for this long even before
 * the database says it is a household: the activation is still on its way through the queue, and
 * the group's FIFO order puts every later message after it, so "aktifkan kantong" followed at once
 * by "beli bakso 20k" books the bakso. If the activation is refused, the conversation side drops
 * them (it answers only households).
 */
export const ACTIVATION_WINDOW_MS = 2 * 60_000;

const ActiveSchema = z.object({ active: z.boolean() });

/**
 * Which groups are for Kantong: an active household (table `households`), or a group whose message
 * is the activation command. Read through the host's pool and kept a few seconds, so a busy group
 * costs one query per few seconds, and "matikan kantong" is obeyed within them.
 */
export class HouseholdGate {
  readonly #pool: DatabasePool;
  readonly #now: Now;
  readonly #ttlMs: number;
  readonly #known = new Map<string, { active: boolean; exists: boolean; at: number }>();
  readonly #activating = new Map<string, number>();

  constructor(options: { pool: DatabasePool; now?: Now; ttlMs?: number }) {
    this.#pool = options.pool;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? HOUSEHOLD_TTL_MS;
  }

  async #read(jid: string): Promise<{ active: boolean; exists: boolean }> {
    const now = this.#now();
    const known = this.#known.get(jid);
    if (known && now - known.at < this.#ttlMs) return known;
    const active = await this.#pool.maybeOneFirst(sql.type(ActiveSchema)`
      SELECT active FROM households WHERE group_jid = ${jid}`);
    const read = { active: active === true, exists: active !== null, at: now };
    this.#known.set(jid, read);
    return read;
  }

  async isActive(jid: string): Promise<boolean> {
    return (await this.#read(jid)).active;
  }

  /**
   * Whether the group has household books at all, switched on or off: who leaves it matters to
   * the books either way (a member who left while Kantong was off must not book when it is back
   * on). A membership change carries no content, so nothing of a stopped group's talk goes on.
   */
  async isHousehold(jid: string): Promise<boolean> {
    return (await this.#read(jid)).exists;
  }

  /** Whether a message of group `jid` with this text goes to Kantong. */
  async admits(jid: string, text: string | null): Promise<'household' | 'activation' | null> {
    if (isActivationCommand(text)) {
      // The next message reads the database again, and the window opens (see ACTIVATION_WINDOW_MS).
      this.#known.delete(jid);
      this.#activating.set(jid, this.#now() + ACTIVATION_WINDOW_MS);
      return 'activation';
    }
    if (await this.isActive(jid)) return 'household';
    const until = this.#activating.get(jid);
    if (until !== undefined && this.#now() < until) return 'household';
    if (until !== undefined) this.#activating.delete(jid);
    return null;
  }

  /** Forgets what it read about a group (a test, or a household switched on elsewhere). */
  forget(jid: string): void {
    this.#known.delete(jid);
  }
}

const Stub = proto.WebMessageInfo.StubType;

/**
 * The participant stubs Baileys makes of a group notification (Utils/process-message.js turns the
 * same stubs into `group-participants.update`), and what each means for a household.
 */
const MEMBERSHIP_STUBS = new Map<number, 'joined' | 'left'>([
  [Stub.GROUP_PARTICIPANT_ADD, 'joined'],
  [Stub.GROUP_PARTICIPANT_INVITE, 'joined'],
  [Stub.GROUP_PARTICIPANT_ADD_REQUEST_JOIN, 'joined'],
  [Stub.GROUP_PARTICIPANT_LEAVE, 'left'],
  [Stub.GROUP_PARTICIPANT_REMOVE, 'left'],
]);

export function membershipKind(stubType: number | null | undefined): 'joined' | 'left' | null {
  return stubType == null ? null : (MEMBERSHIP_STUBS.get(stubType) ?? null);
}

/** The people a participant stub names (its parameters are Baileys' JSON of GroupParticipant). */
export function stubParticipants(parameters: readonly string[] | null | undefined): GroupParticipant[] {
  const people: GroupParticipant[] = [];
  for (const parameter of parameters ?? []) {
    try {
      const parsed: unknown = JSON.parse(parameter);
      if (parsed && typeof parsed === 'object' && typeof (parsed as { id?: unknown }).id === 'string') {
        people.push(parsed as GroupParticipant);
      }
    } catch {
      // Older notifications carry a bare JID.
      if (isPnUser(parameter) || isLidUser(parameter)) people.push({ id: parameter });
    }
  }
  return people;
}
