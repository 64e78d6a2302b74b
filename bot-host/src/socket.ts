/**
 * The part of a Baileys socket the host uses. The real socket (session.ts) fits it; tests give
 * a stand-in for WhatsApp's servers with the same shape, the only stand-in the project allows.
 */
import { Readable } from 'node:stream';
import { downloadMediaMessage, isLidUser, isPnUser, jidDecode, type WAMessage } from 'baileys';

export type HostSocket = {
  /** The logged-in account (`6281…:12@s.whatsapp.net`), once the socket is open. */
  user?: { id: string } | undefined;
  sendMessage: (jid: string, content: { text: string }) => Promise<WAMessage | undefined>;
  /** Asks the sender's phone to upload expired media again; resolves with fresh media URLs. */
  updateMediaMessage: (message: WAMessage) => Promise<WAMessage>;
};

/** Fetches and decrypts a media message's bytes from WhatsApp's servers. */
export type MediaDownloader = (message: WAMessage) => Promise<AsyncIterable<Uint8Array>>;

/**
 * Baileys' download without its own re-upload retry: the host retries itself (inbound.ts), so
 * the rule is in one place and tested.
 */
export const downloadFromWhatsApp: MediaDownloader = async (message) =>
  Readable.from(await downloadMediaMessage(message, 'stream', {}));

/** The phone number (digits) of a phone-number JID, or null for a LID, group or broadcast. */
export function phoneOf(jid: string | null | undefined): string | null {
  if (!jid || !isPnUser(jid)) return null;
  const user = jidDecode(jid)?.user;
  return user && /^\d{6,20}$/.test(user) ? user : null;
}

export function isLid(jid: string | null | undefined): boolean {
  return Boolean(jid && isLidUser(jid));
}

export function userJid(phone: string): string {
  return `${phone}@s.whatsapp.net`;
}
