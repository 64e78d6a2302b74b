import { describe, expect, it } from 'vitest';
import { isActivationCommand, isDeactivationCommand } from './commands.ts';

describe('household commands', () => {
  it.each([
    'aktifkan kantong',
    'Aktifkan Kantong!',
    '  AKTIFKAN   kantong 🙏',
    '@6285000000001 aktifkan kantong',
    'aktifkan @Kantong kantong',
    'aktifin kantong dong',
    'aktifkan kantong, ya.',
  ])('takes %j as the activation command', (text) => {
    expect(isActivationCommand(text)).toBe(true);
  });

  it.each([
    'kapan aktifkan kantong?',
    'aktifkan',
    'kantong',
    'aktifkan kantong beli kopi 20k',
    'matikan kantong',
    '',
    null,
  ])('does not take %j for it', (text) => {
    expect(isActivationCommand(text)).toBe(false);
  });

  it('knows the deactivation command', () => {
    expect(isDeactivationCommand('Matikan kantong.')).toBe(true);
    expect(isDeactivationCommand('aktifkan kantong')).toBe(false);
  });
});
