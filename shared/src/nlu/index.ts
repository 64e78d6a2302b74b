// Placeholder until the LLM fallback lands: understanding is the rules alone.
import { parseMessage } from './rules.ts';
import type { ParseContext, ParseResult } from './schema.ts';

export * from './schema.ts';

export async function understand(text: string, context: ParseContext): Promise<ParseResult> {
  return parseMessage(text, context);
}
