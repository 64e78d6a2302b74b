/**
 * The chat commands that switch a group's household books on and off, recognised in one place:
 * the WhatsApp host forwards a message of a group that is not (yet) a household only when it is
 * the activation command, and the conversation side acts on the same words.
 *
 * Tolerant of how people type in a group: any case, punctuation and emoji, mentions of the bot
 * ("@6285… aktifkan kantong", Baileys keeps the mention as "@<digits>" in the text), extra
 * spaces, and a polite word at the end ("aktifkan kantong dong"). Nothing else: "kapan aktifkan
 * kantong?" is a question, not the command.
 */

const POLITE = new Set(['dong', 'ya', 'yuk', 'yah', 'deh', 'please', 'pls', 'sekarang']);

/** The words of a message, lower-cased, without mentions, punctuation or emoji. */
export function commandWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/@\S+/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

function isCommand(text: string | null | undefined, verbs: ReadonlySet<string>): boolean {
  if (!text || text.length > 200) return false;
  const words = commandWords(text);
  const [verb, noun, ...rest] = words;
  return (
    verb !== undefined && verbs.has(verb) && noun === 'kantong' && rest.every((word) => POLITE.has(word))
  );
}

const ACTIVATE = new Set(['aktifkan', 'aktifin', 'nyalakan', 'nyalain']);
const DEACTIVATE = new Set(['matikan', 'matiin', 'nonaktifkan']);

/** "aktifkan kantong": a group asks to become a household. */
export function isActivationCommand(text: string | null | undefined): boolean {
  return isCommand(text, ACTIVATE);
}

/** "matikan kantong": an owner stops the household (its books stay). */
export function isDeactivationCommand(text: string | null | undefined): boolean {
  return isCommand(text, DEACTIVATE);
}
