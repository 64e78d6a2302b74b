import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WireParseResultSchema } from './schema.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const KEYS = [
  'intent',
  'direction',
  'amount',
  'currency',
  'description',
  'category_suggestion',
  'datetime',
  'saving_name',
  'target_amount',
  'period',
  'category_filter',
  'question',
  'confidence',
  'transactions',
  'counterparty',
  'wallet',
  'to_wallet',
];

/** Runs the CLI on `input` with the rules alone (no OLLAMA_URL). */
function runCli(
  input: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const { OLLAMA_URL: _ignored, ...rest } = process.env;
    const child = spawn(process.execPath, [CLI], {
      env: { ...rest, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

describe('npm run parse', () => {
  it('prints one wire object per non-empty line, keys in contract order, and exits 0', async () => {
    const { code, stdout } = await runCli('beli pulsa 50k\n\n   \ngaji 3,5jt dari kantor\r\nmakasih ya');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const object of objects) {
      expect(Object.keys(object)).toEqual(KEYS);
      expect(WireParseResultSchema.safeParse(object).success).toBe(true);
    }
    expect(objects.map((o) => [o.intent, o.amount, o.category_suggestion])).toEqual([
      ['create_transaction', 50_000, 'Pulsa & Data'],
      ['create_transaction', 3_500_000, 'Gaji'],
      ['smalltalk', null, null],
    ]);
  });

  it('writes datetimes in DEFAULT_TIMEZONE', async () => {
    const { stdout } = await runCli('beli kopi 20k\n', { DEFAULT_TIMEZONE: 'Asia/Jayapura' });
    expect((JSON.parse(stdout) as { datetime: string }).datetime).toMatch(/\+09:00$/);
  });

  it('streams thousands of lines in order', async () => {
    const input = Array.from({ length: 5000 }, (_, i) => `beli kopi ${i + 1}rb`).join('\n');
    const { code, stdout } = await runCli(input);
    expect(code).toBe(0);
    const amounts = stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { amount: number }).amount);
    expect(amounts).toHaveLength(5000);
    expect(amounts[0]).toBe(1000);
    expect(amounts[4999]).toBe(5_000_000);
  });
});
