/**
 * `npm run -s parse`: one message per stdin line → one JSON object per stdout line (the wire
 * shape of {@link toWire}). Streams, so a pipe of any length works; exits 0 at end of input.
 */
import { createInterface } from 'node:readline';
import { configuredFallback, type LlmFallback, toWire, understand } from './index.ts';

const timezone = process.env.DEFAULT_TIMEZONE ?? 'Asia/Jakarta';

/** The LLM fallback when OLLAMA_URL is set; a bad configuration is reported and the rules answer alone. */
function fallback(): LlmFallback | null {
  if (!process.env.OLLAMA_URL) return null;
  try {
    return configuredFallback();
  } catch (error) {
    process.stderr.write(
      `parse: LLM fallback off: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return null;
  }
}
const llm = fallback();

/** Writes a line and waits when the pipe is full, so memory stays flat on huge inputs. */
function writeLine(line: string): Promise<void> {
  if (process.stdout.write(`${line}\n`)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

// A reader that stops early (`| head`) closes the pipe; that is not an error for us.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const result = await understand(line, { now: new Date(), timezone }, { llm });
  await writeLine(JSON.stringify(toWire(result)));
}
