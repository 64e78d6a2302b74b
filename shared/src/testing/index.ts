/**
 * Tests that need a program (Chromium, Java for ElasticMQ, whisper.cpp and its model, Ollama and
 * its weights, …) call this once with whether it is there (issue 14 item 13). On a newcomer's
 * machine a missing program skips those tests with a printed note saying how to install it; in
 * CI (CI=true) it is an error, so a suite can never pass there without running them — the same
 * rule vitest.config.ts applies to Tesseract, ffmpeg and espeak-ng.
 */

/** `available`, or (when missing) false after a note — or an error under CI=true. */
export function needsProgram(what: string, available: boolean, install: string): boolean {
  if (available) return true;
  const note = `${what} is missing, so the tests that need it did not run. ${install}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${note}`);
  console.warn(`NOTE: ${note}`);
  return false;
}
