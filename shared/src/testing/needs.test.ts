import { afterEach, describe, expect, it, vi } from 'vitest';
import { needsProgram } from './index.ts';

const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  vi.restoreAllMocks();
});

describe('needsProgram', () => {
  it('says yes when the program is there', () => {
    process.env.CI = 'true';
    expect(needsProgram('whisper', true, 'npm run models')).toBe(true);
  });

  it('skips with a printed note on a newcomer’s machine', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(needsProgram('Chromium', false, 'apt-get install chromium')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('apt-get install chromium'));
  });

  it('fails under CI=true', () => {
    process.env.CI = 'true';
    expect(() => needsProgram('Ollama', false, 'npm run models')).toThrow(/CI=true and Ollama is missing/);
  });
});
