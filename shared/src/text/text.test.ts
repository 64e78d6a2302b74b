import { describe, expect, it } from 'vitest';
import { inboundMessageFields } from '../queue/envelope.ts';
import { hasControlCharacters, sanitizeDeep, stripControlCharacters } from './index.ts';

describe('stripControlCharacters', () => {
  it('removes NUL, escape, DEL and C1 controls, keeps tab and line breaks, and makes CR LF a line feed', () => {
    expect(stripControlCharacters('beli a\u0000b 5k')).toBe('beli ab 5k');
    expect(stripControlCharacters('a\u001b[31mb\u007f\u0085c')).toBe('a[31mbc');
    expect(stripControlCharacters('kopi\t20k\r\nteh 5k\rroti')).toBe('kopi\t20k\nteh 5k\nroti');
    expect(stripControlCharacters('emoji 😊 ok')).toBe('emoji 😊 ok');
    expect(stripControlCharacters('lone \ud800 surrogate')).toBe('lone \ufffd surrogate');
    expect(hasControlCharacters('ok\n')).toBe(false);
    expect(hasControlCharacters('no\u0000')).toBe(true);
  });

  it('cleans every string of a parsed body and leaves other values alone', () => {
    const file = new Blob(['x']);
    expect(sanitizeDeep({ a: 'x\u0000', b: [1, 'y\u0001'], c: { d: null }, file })).toEqual({
      a: 'x',
      b: [1, 'y'],
      c: { d: null },
      file,
    });
  });

  it('is applied to the inbound envelope on its way onto the queue', () => {
    const fields = inboundMessageFields({
      version: 1,
      message_id: 'm1',
      from_number: '6281300000001',
      bot_number: null,
      type: 'text',
      text: 'beli a\u0000b 5k',
      media: null,
      timestamp: 0,
    });
    expect(JSON.parse(fields.MessageBody).text).toBe('beli ab 5k');
  });
});
