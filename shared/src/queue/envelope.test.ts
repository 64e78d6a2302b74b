import { describe, expect, it } from 'vitest';
import { queueBody } from './envelope.ts';

describe('queueBody', () => {
  it('writes emoji as JSON escape pairs, so a server that refuses them still takes the message', () => {
    const reply = { to: '628111', text: 'Sama-sama! 😊 Yuk catat terus 💪 🙏🏽' };
    const body = queueBody(reply);
    // Nothing outside the Basic Multilingual Plane is left in the body (fauxqs 2.4 refuses it).
    expect(/[\u{10000}-\u{10FFFF}]/u.test(body)).toBe(false);
    expect(body).toContain('\\ud83d\\ude0a');
    expect(JSON.parse(body)).toEqual(reply);
  });

  it('leaves everything else as JSON.stringify writes it', () => {
    const value = { text: '✅ Catat pengeluaran Rp50.000 — kopi "susu"\n', n: 1, none: null };
    expect(queueBody(value)).toBe(JSON.stringify(value));
  });
});
