/**
 * One bot number: a Baileys socket, its login (QR or pairing code), its state, and reconnection.
 *
 * States: STOPPED (not running), STARTING (socket opening), SCAN_QR_CODE (waiting for a login by
 * QR or pairing code), WORKING (logged in, open), FAILED (will not reconnect by itself: logged
 * out, replaced by another connection, or refused by WhatsApp).
 *
 * Reconnection follows the close code (`reconnectDecision`): at once after the restart WhatsApp
 * asks for once pairing succeeds (515), with a growing backoff after ordinary drops, never after
 * a logout (401) or when another connection replaced this one (440).
 *
 * With a terminal (`npm run host`, `npm start -- --whatsapp`) the session talks to the person
 * linking the phone: the QR code, or a pairing code (`--pair 62812…`), then that the number is
 * linked, and after a 401 or 440 what happened and what to do (`TERMINAL_NOTES`).
 */
import type { DatabasePool } from '@kantong/shared/db';
import { sql } from '@kantong/shared/db';
import type { Logger } from '@kantong/shared/logger';
import {
  Browsers,
  DisconnectReason,
  type GroupMetadata,
  makeCacheableSignalKeyStore,
  makeWASocket,
  type proto,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
  type WAVersion,
} from 'baileys';
import QRCode from 'qrcode';
import { z } from 'zod';
import { type PostgresAuthState, usePostgresAuthState } from './auth-state.ts';
import { GroupMetadataCache } from './groups.ts';
import type { HostMetrics } from './metrics.ts';
import { type HostSocket, phoneOf } from './socket.ts';

export const SESSION_STATES = ['STOPPED', 'STARTING', 'SCAN_QR_CODE', 'WORKING', 'FAILED'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export type Backoff = { baseMs: number; maxMs: number };
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 5 * 60_000 };

export type ReconnectDecision =
  | { reconnect: true; delayMs: number; countsAsFailure: boolean }
  | { reconnect: false; reason: string; forgetLogin: boolean };

/**
 * What to do after the socket closed with `code` (Baileys' DisconnectReason, an HTTP-like status),
 * given the failed attempts so far. Pure, so the policy is tested over every code.
 */
export function reconnectDecision(
  code: number | undefined,
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): ReconnectDecision {
  switch (code) {
    case DisconnectReason.loggedOut:
      // The phone removed this device: the stored login is worthless; a new QR is needed.
      return { reconnect: false, reason: 'logged_out', forgetLogin: true };
    case DisconnectReason.connectionReplaced:
      // Another host opened this number: reconnecting would make the two fight forever.
      return { reconnect: false, reason: 'connection_replaced', forgetLogin: false };
    case DisconnectReason.forbidden:
      return { reconnect: false, reason: 'forbidden', forgetLogin: false };
    case DisconnectReason.multideviceMismatch:
      return { reconnect: false, reason: 'multidevice_mismatch', forgetLogin: true };
    case DisconnectReason.restartRequired:
      // Sent once right after a successful pairing: open a new socket with the new login now.
      return { reconnect: true, delayMs: 0, countsAsFailure: false };
    default: {
      // "Equal jitter": half the doubled delay, plus up to as much again at random. When WhatsApp
      // drops every session at once (an outage, a version change), they do not all come back in
      // the same second; the delay still grows with each failure (issue 14 item 12).
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
      const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * random());
      return { reconnect: true, delayMs, countsAsFailure: true };
    }
  }
}

/** Failed connection attempts before the terminal says WhatsApp cannot be reached. */
const UNREACHABLE_AFTER = 3;

/** "ABCD1234" as WhatsApp's phone screen shows it: "ABCD-1234". */
export function formatPairingCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/**
 * What the terminal says while a phone is linked, and when a session stops for good. Indonesian
 * first, as the bot speaks; one English line for whoever runs the server.
 */
export const TERMINAL_NOTES = {
  qr: (session: string, art: string) =>
    [
      '',
      `📱 WhatsApp sesi "${session}": scan QR ini dari HP nomor bot.`,
      '   WhatsApp → ⋮ / Setelan → Perangkat tertaut → Tautkan perangkat. QR baru muncul tiap ±20 detik.',
      "   Scan it from the bot number's phone: Linked devices → Link a device.",
      '   Nggak bisa scan? Pakai kode: npm run host -- --pair 62812xxxxxxxx',
      art,
    ].join('\n'),
  pairingCode: (session: string, phone: string, code: string) =>
    [
      '',
      `🔑 Kode pairing sesi "${session}" untuk +${phone}:  ${formatPairingCode(code)}`,
      '   Di HP itu: WhatsApp → Perangkat tertaut → Tautkan perangkat → "Tautkan dengan nomor telepon saja", lalu ketik kodenya.',
      '   On that phone: Linked devices → Link a device → "Link with phone number instead", then type the code.',
      '',
    ].join('\n'),
  unreachable: (session: string, reason: string) =>
    [
      '',
      `⚠️  WhatsApp sesi "${session}" belum bisa tersambung (${reason}).`,
      '   Dicoba lagi otomatis, makin lama makin jarang (maks. 5 menit). Cek koneksi internet mesin ini.',
      '   Cannot reach WhatsApp yet; retrying with a growing backoff. Check this machine’s internet access.',
      '',
    ].join('\n'),
  pairingFailed: (session: string, reason: string) =>
    `\n⚠️  Kode pairing sesi "${session}" gagal diminta (${reason}); scan QR di bawah saja ya.\n`,
  linked: (session: string, phone: string | null, justLinked: boolean) =>
    [
      '',
      `✅ WhatsApp sesi "${session}" tersambung${phone ? ` sebagai +${phone}` : ''}.`,
      justLinked
        ? '   HP kamu sekarang menampilkan perangkat tertaut baru. Login disimpan di database: restart nggak perlu scan lagi.'
        : '   Login dari database dipakai lagi.',
      '   Pesan yang masuk ke nomor ini sekarang dijawab Kantong. Coba kirim "beli kopi 20k" dari HP lain.',
      '   Di grup WhatsApp, Kantong baru menjawab setelah ada yang mengetik "aktifkan kantong" di grup itu.',
      '   Linked: messages to this number are answered now (own messages are ignored; a group only after "aktifkan kantong").',
      '',
    ].join('\n'),
  failed: (session: string, reason: string, code: number | undefined) => {
    const lines: Record<string, string[]> = {
      logged_out: [
        `⛔ WhatsApp sesi "${session}" keluar (logged out, 401): perangkat ini dihapus dari HP.`,
        '   Login lamanya sudah dihapus. Jalankan host lagi untuk menautkan ulang (QR baru).',
        '   The phone removed this linked device; the login is forgotten. Start the host again to link anew.',
      ],
      connection_replaced: [
        `⛔ WhatsApp sesi "${session}" digantikan koneksi lain (connection replaced, 440).`,
        '   Ada host Kantong lain yang memakai login yang sama (npm run host, npm start -- --whatsapp, docker compose).',
        '   Hentikan yang lain, lalu jalankan host ini lagi. Login tetap tersimpan, nggak perlu scan ulang.',
        '   Another host opened this login: stop it, then start this one again (no new QR needed).',
      ],
    };
    const known = lines[reason] ?? [
      `⛔ WhatsApp sesi "${session}" berhenti (${reason}, ${code ?? 'no code'}) dan nggak menyambung lagi sendiri.`,
      '   Cek log di atas, lalu jalankan host lagi. / The session stopped for good: see the log, then restart the host.',
    ];
    return ['', ...known, ''].join('\n');
  },
} as const;

/** The part of a Baileys socket a session drives (makeWASocket's, or a stand-in in tests). */
export type SessionSocket = HostSocket & {
  ev: { on: WASocket['ev']['on'] };
  requestPairingCode: (phoneNumber: string) => Promise<string>;
  end: (error: Error | undefined) => void | Promise<void>;
  signalRepository?: { lidMapping?: { getPNForLID: (lid: string) => Promise<string | null> } };
  /** A group's metadata, straight from WhatsApp (rate-limited: the session's cache calls it). */
  groupMetadata?: (jid: string) => Promise<GroupMetadata>;
};

export type SocketFactory = (options: {
  auth: PostgresAuthState;
  logger: Logger;
  getMessage: (key: WAMessageKey) => Promise<proto.IMessage | undefined>;
  /** The WhatsApp Web version to announce; absent: Baileys' bundled one. */
  version?: WAVersion | undefined;
  /** The session's group metadata cache, for Baileys' own sends to groups (groups.ts). */
  cachedGroupMetadata?: (jid: string) => Promise<GroupMetadata | undefined>;
}) => SessionSocket;

export const baileysSocketFactory: SocketFactory = ({
  auth,
  logger,
  getMessage,
  version,
  cachedGroupMetadata,
}) =>
  makeWASocket({
    ...(version ? { version } : {}),
    auth: { creds: auth.state.creds, keys: makeCacheableSignalKeyStore(auth.state.keys, logger) },
    logger,
    browser: Browsers.ubuntu('Kantong'),
    // A bot: do not show it online (the phone keeps its notifications) and skip old history.
    markOnlineOnConnect: false,
    syncFullHistory: false,
    getMessage,
    // A send to a group needs its participants; without this Baileys looks them up on every send,
    // and WhatsApp answers a busy bot with rate-overlimit.
    ...(cachedGroupMetadata ? { cachedGroupMetadata } : {}),
  }) as unknown as SessionSocket;

export type SessionHooks = {
  onMessages: (session: Session, upsert: { messages: WAMessage[]; type: string }) => Promise<void>;
  onOpen?: (session: Session) => Promise<void>;
};

export type SessionOptions = {
  id: string;
  pool: DatabasePool;
  log: Logger;
  metrics: HostMetrics;
  hooks: SessionHooks;
  factory?: SocketFactory;
  backoff?: Backoff;
  /**
   * Where to talk to the person linking the phone (the QR code, a pairing code, linked, logged
   * out…); none in tests and containers without a terminal (the logs and GET /session/:id/qr do).
   */
  terminal?: (text: string) => void;
  /** Link by pairing code for this phone number (digits) instead of showing the QR code. */
  pairPhone?: string;
  /** Waits between reconnections; tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  /** The reconnect jitter's random source (Math.random); tests fix it. */
  random?: () => number;
  /**
   * The WhatsApp Web version to announce (wa-version.ts: fetched once at start, Baileys' bundled
   * one offline); none: Baileys' bundled one.
   */
  waVersion?: () => Promise<WAVersion | undefined>;
};

/** Retries of a failed credentials save, and the first wait (doubling): 1+2+4+8+16 s. */
const CREDS_SAVE_TRIES = 6;
const CREDS_RETRY_MS = 1000;

/** The close code WhatsApp answers when it no longer accepts this WhatsApp Web version. */
export const OUTDATED_VERSION_CODE = 405;

const SentBodySchema = z.object({ body: z.string() });

export class Session {
  readonly id: string;
  state: SessionState = 'STOPPED';
  /** The QR code text while SCAN_QR_CODE. */
  qr: string | null = null;
  lastError: string | null = null;
  attempts = 0;
  since: Date = new Date();
  socket: SessionSocket | null = null;
  readonly #options: SessionOptions;
  #auth: PostgresAuthState | null = null;
  #version: WAVersion | undefined;
  #stopping = false;
  #generation = 0;
  /** A login is under way (a QR or pairing code was shown): the next open is the phone linked. */
  #linking = false;
  #announced = false;
  #pairingRequested = -1;
  /**
   * What WhatsApp said about the groups this number is in, kept across reconnects (groups.ts):
   * lookups go to the current socket.
   */
  readonly groups: GroupMetadataCache;

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.#options = options;
    this.groups = new GroupMetadataCache({
      fetch: async (jid) => {
        const socket = this.socket;
        if (!socket?.groupMetadata) throw new Error(`session ${this.id} cannot look up groups now`);
        return socket.groupMetadata(jid);
      },
      log: options.log.child({ session: options.id, component: 'groups' }),
      counted: (outcome) => options.metrics.groupLookups.inc({ session: options.id, outcome }),
    });
  }

  get log(): Logger {
    return this.#options.log;
  }

  #setState(state: SessionState, error: string | null = null): void {
    if (state !== this.state) this.since = new Date();
    this.state = state;
    if (error !== null) this.lastError = error;
    this.#options.metrics.sessionUp.set({ session: this.id }, state === 'WORKING' ? 1 : 0);
    this.log.info({ session: this.id, state, error }, 'session state');
  }

  /** Opens the socket with the login stored in PostgreSQL (a new login shows a QR code). */
  async start(): Promise<void> {
    this.#stopping = false;
    this.#setState('STARTING');
    this.#version = await this.#options.waVersion?.();
    this.#auth = await usePostgresAuthState(this.#options.pool, this.id);
    this.#open();
  }

  #open(): void {
    const auth = this.#auth;
    if (!auth) throw new Error('session started without auth state');
    const generation = ++this.#generation;
    const factory = this.#options.factory ?? baileysSocketFactory;
    const socket = factory({
      auth,
      logger: this.log.child({ session: this.id, component: 'baileys' }),
      getMessage: (key) => this.#getMessage(key),
      version: this.#version,
      cachedGroupMetadata: (jid) => this.groups.get(jid),
    });
    this.socket = socket;
    // Events of a socket that was replaced are ignored.
    const current = () => generation === this.#generation && !this.#stopping;

    socket.ev.on('creds.update', () => {
      void this.#saveCreds(auth);
    });
    socket.ev.on('messages.upsert', (upsert) => {
      if (!current()) return;
      this.#options.hooks.onMessages(this, upsert).catch((error: unknown) => {
        this.log.error({ err: error, session: this.id }, 'handling messages failed');
      });
    });
    // Groups' metadata follows WhatsApp's own notices, so it is rarely looked up again.
    socket.ev.on('groups.upsert', (groups) => {
      for (const group of groups) this.groups.set(group);
    });
    socket.ev.on('groups.update', (updates) => {
      for (const update of updates) this.groups.update(update);
    });
    socket.ev.on('group-participants.update', (event) => {
      this.groups.participants(event);
    });
    socket.ev.on('connection.update', (update) => {
      if (!current()) return;
      if (update.qr) {
        this.qr = update.qr;
        this.#linking = true;
        this.#setState('SCAN_QR_CODE');
        this.#showLogin(update.qr, generation);
      }
      if (update.connection === 'open') {
        this.qr = null;
        this.attempts = 0;
        this.lastError = null;
        this.#setState('WORKING');
        this.#announceOpen();
        this.#options.hooks.onOpen?.(this).catch((error: unknown) => {
          this.log.error({ err: error, session: this.id }, 'after-open work failed');
        });
      }
      if (update.connection === 'close') {
        const error = update.lastDisconnect?.error as
          | { output?: { statusCode?: number }; message?: string }
          | undefined;
        this.#closed(error?.output?.statusCode, error?.message ?? 'closed');
      }
    });
  }

  /**
   * Saves the credentials Baileys just changed, retrying with a doubling wait: a lost save means
   * the stored login is stale, and the number may be logged out at the next start (STYLE.md's
   * counter-example: database errors swallowed while saving sessions). Each failure is logged as
   * an error and counted; when the tries run out it is an alert. Saves are whole (the current
   * credentials), so a later `creds.update` also repairs an earlier lost one.
   */
  async #saveCreds(auth: PostgresAuthState): Promise<void> {
    for (let attempt = 1; attempt <= CREDS_SAVE_TRIES; attempt += 1) {
      try {
        await auth.saveCreds();
        if (attempt > 1) this.log.info({ session: this.id, attempt }, 'credentials saved after a retry');
        return;
      } catch (error) {
        this.#options.metrics.credsSaveFailures.inc({ session: this.id });
        const last = attempt === CREDS_SAVE_TRIES;
        this.log.error(
          { err: error, session: this.id, attempt, tries: CREDS_SAVE_TRIES },
          last
            ? 'saving WhatsApp credentials failed for good: the stored login is stale'
            : 'saving WhatsApp credentials failed; retrying',
        );
        if (last) {
          this.#options.metrics.alerts.inc({ session: this.id, reason: 'creds_not_saved' });
          this.lastError = 'credentials could not be saved';
          return;
        }
        await new Promise<void>((done) => setTimeout(done, CREDS_RETRY_MS * 2 ** (attempt - 1)));
      }
    }
  }

  #closed(code: number | undefined, message: string): void {
    this.socket = null;
    this.qr = null;
    const decision = reconnectDecision(code, this.attempts, this.#options.backoff, this.#options.random);
    this.log.warn({ session: this.id, code, message, decision }, 'connection closed');
    if (code === OUTDATED_VERSION_CODE) {
      // The known production failure: WhatsApp moved on and refuses this WhatsApp Web version,
      // every session at once. Reconnecting goes on (a restart fetches the current version).
      this.#options.metrics.alerts.inc({ session: this.id, reason: 'outdated_version_405' });
      this.log.error(
        { session: this.id, code, alert: 'outdated_version_405' },
        'WhatsApp refused the connection (405): the WhatsApp Web version is probably outdated; restart the host to fetch the current one, or update Baileys',
      );
    }
    if (!decision.reconnect) {
      this.#setState('FAILED', `${decision.reason} (${code ?? 'no code'})`);
      this.#options.terminal?.(TERMINAL_NOTES.failed(this.id, decision.reason, code));
      if (decision.forgetLogin) {
        this.#auth
          ?.clear()
          .catch((error: unknown) => this.log.error({ err: error }, 'forgetting the login failed'));
      }
      return;
    }
    if (decision.countsAsFailure) this.attempts += 1;
    // Never connected yet and failing: the person at the terminal would otherwise see no QR and
    // no reason. Said once; the logs have every attempt.
    if (this.attempts === UNREACHABLE_AFTER && !this.#announced) {
      this.#options.terminal?.(TERMINAL_NOTES.unreachable(this.id, message));
    }
    this.#options.metrics.reconnects.inc({ session: this.id, code: String(code ?? 'none') });
    this.#setState('STARTING', `closed (${code ?? 'no code'}): ${message}`);
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
    void sleep(decision.delayMs).then(async () => {
      if (this.#stopping) return;
      try {
        // A fresh auth state: a logout or a pairing changed the stored login.
        this.#auth = await usePostgresAuthState(this.#options.pool, this.id);
        this.#open();
      } catch (error) {
        this.log.error({ err: error, session: this.id }, 'reconnecting failed');
        this.#closed(undefined, error instanceof Error ? error.message : String(error));
      }
    });
  }

  /**
   * Shows the login in the terminal: a pairing code when one was asked for (requested once per
   * socket: WhatsApp sends a fresh QR every ~20 s, and each request would void the last code),
   * otherwise the QR code.
   */
  #showLogin(qr: string, generation: number): void {
    const say = this.#options.terminal;
    if (!say) return;
    const phone = this.#options.pairPhone;
    if (phone === undefined) {
      this.#printQr(qr, say);
      return;
    }
    if (this.#pairingRequested === generation) return;
    this.#pairingRequested = generation;
    this.requestPairingCode(phone)
      .then((code) => say(TERMINAL_NOTES.pairingCode(this.id, phone, code)))
      .catch((error: unknown) => {
        this.log.error({ err: error, session: this.id }, 'asking for a pairing code failed');
        say(TERMINAL_NOTES.pairingFailed(this.id, error instanceof Error ? error.message : String(error)));
        this.#printQr(qr, say);
      });
  }

  #printQr(qr: string, say: (text: string) => void): void {
    QRCode.toString(qr, { type: 'terminal', small: true })
      .then((art) => say(TERMINAL_NOTES.qr(this.id, art)))
      .catch((error: unknown) => this.log.error({ err: error }, 'printing the QR code failed'));
  }

  /** Once per process, and after every new login: which number is now answered. */
  #announceOpen(): void {
    const say = this.#options.terminal;
    if (!say || (this.#announced && !this.#linking)) return;
    say(TERMINAL_NOTES.linked(this.id, phoneOf(this.socket?.user?.id ?? null), this.#linking));
    this.#announced = true;
    this.#linking = false;
  }

  /** A reply this host sent, for a recipient whose phone asks for it again (decryption retry). */
  async #getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined;
    const body = await this.#options.pool.maybeOneFirst(sql.type(SentBodySchema)`
      SELECT body FROM wa_sent_outbox WHERE session_id = ${this.id} AND wa_message_id = ${key.id}`);
    return body === null ? undefined : { conversation: body };
  }

  /** A pairing code for `phoneNumber` (digits), the alternative to scanning the QR code. */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    if (this.state !== 'SCAN_QR_CODE' || !this.socket) {
      throw new Error(`session ${this.id} is ${this.state}, not waiting for a login`);
    }
    return this.socket.requestPairingCode(phoneNumber);
  }

  /** Closes the socket, saving the credentials first; the login stays for the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // Every change was saved as it came (creds.update); this last save is a courtesy, and on
    // Ctrl+C PostgreSQL may be gone already (the terminal signals it too): the socket closes anyway.
    await this.#auth
      ?.saveCreds()
      .catch((error: unknown) =>
        this.log.warn({ err: error, session: this.id }, 'saving the credentials at stop failed'),
      );
    await this.socket?.end(undefined);
    this.socket = null;
    this.#setState('STOPPED');
  }
}
