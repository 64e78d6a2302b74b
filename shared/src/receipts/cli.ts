/**
 * `npm run -s ocr -- FILE`: reads one receipt photo and prints one JSON object,
 * `{total, date, merchant, items, raw_text, confidence, status, kind, topup}` (the same as
 * `POST /media/ocr`); `status` says what Kantong would do: book it or ask first.
 * With OLLAMA_URL set, unsure readings get the LLM clean-up. Exit 2 on a missing or undecodable file.
 */
import { configuredReceiptCleaner, readReceipt, toContract, UnreadableImageError } from './index.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run -s ocr -- FILE');
  process.exit(2);
}
try {
  const reading = await readReceipt(file, { now: new Date(), cleaner: configuredReceiptCleaner() });
  console.log(JSON.stringify(toContract(reading)));
} catch (error) {
  const reason = error instanceof UnreadableImageError ? 'not a readable image' : String(error);
  console.error(`ocr: ${file}: ${reason}`);
  process.exit(2);
}
