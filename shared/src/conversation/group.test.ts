/**
 * Household books in a group (issue 15), at the conversation's level against a real PostgreSQL:
 * the commands as people type them, a silent group until `aktifkan kantong`, members and roles,
 * bookings tagged with their author, questions kept per member, the private dashboard link,
 * membership events and `matikan kantong`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LINK_PLACEHOLDER } from '../auth/index.ts';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { parseMessage } from '../nlu/rules.ts';
import type { ReceiptReading } from '../receipts/parse.ts';
import {
  ALREADY_ACTIVE,
  canWrite,
  commandWords,
  groupCommand,
  LAST_OWNER,
  REGISTER_FIRST,
  signed,
  writes,
} from './group.ts';
import { type Extracted, handleIncoming, type IncomingMessage } from './index.ts';

describe('group commands as people type them', () => {
  it('reads aktifkan/matikan kantong through case, punctuation and mentions', () => {
    for (const text of [
      'aktifkan kantong',
      'Aktifkan Kantong!',
      '@Kantong aktifkan kantong',
      'aktifin kantong dong',
      '@6281234567 AKTIFKAN KANTONG.',
    ]) {
      expect(groupCommand(text), text).toEqual({ kind: 'activate' });
    }
    expect(groupCommand('matikan kantong')).toEqual({ kind: 'deactivate' });
    expect(groupCommand('Matiin kantong ya')).toEqual({ kind: 'deactivate' });
    expect(groupCommand('aktifkan kantong belanja bulanan 50rb')).toBeNull();
    expect(groupCommand('kapan aktifkan kantong?')).toBeNull();
    expect(groupCommand('beli beras 65rb')).toBeNull();
    expect(commandWords('  @Bot  Halo,   Kantong!! ')).toBe('halo kantong');
  });

  it('reads jadikan <nomor> <peran> with the number written any way', () => {
    expect(groupCommand('jadikan 6281234567890 viewer')).toEqual({
      kind: 'role',
      target: '6281234567890',
      role: 'viewer',
    });
    expect(groupCommand('jadikan 0812-3456-7890 member')).toMatchObject({
      target: '081234567890',
      role: 'member',
    });
    expect(groupCommand('Jadikan +62 812 3456 7890 owner.')).toMatchObject({
      target: '6281234567890',
      role: 'owner',
    });
    expect(groupCommand('jadikan @6281234567890 sebagai penonton')).toMatchObject({ role: 'viewer' });
    expect(groupCommand('jadikan budi viewer')).toBeNull();
    expect(groupCommand('anggota')).toEqual({ kind: 'members' });
    expect(groupCommand('dashboard')).toEqual({ kind: 'dashboard' });
  });

  it('tells writes from reads, and signs bookings with their author', () => {
    const at = { now: new Date('2026-11-20T05:00:00Z'), timezone: 'Asia/Jakarta' };
    const text = { message_type: 'text' as const };
    const read = (words: string) =>
      writes({ message: text, parsed: parseMessage(words, at), extracted: undefined });
    expect(read('laporan bulan ini')).toBe(false);
    expect(read('cek tabungan')).toBe(false);
    expect(read('beli beras 65rb')).toBe(true);
    expect(read('hapus transaksi terakhir')).toBe(true);
    expect(read('set budget makan 2jt')).toBe(true);
    expect(canWrite({ role: 'viewer', left_at: null })).toBe(false);
    expect(canWrite({ role: 'member', left_at: new Date() })).toBe(false);
    expect(canWrite({ role: 'member', left_at: null })).toBe(true);
    expect(signed('Budi', '✅ Catat pengeluaran Rp65.000 kategori Belanja.')).toBe(
      '✅ Dicatat buat Budi: pengeluaran Rp65.000 kategori Belanja.',
    );
    expect(signed('Budi', 'Berapa nominalnya?')).toBe('Budi: Berapa nominalnya?');
  });
});

describe('a household in a group, through handleIncoming', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const GROUP = '120363000000000001@g.us';
  const BUDI = '6281300000001';
  const ANI = '6281300000002';
  const CICI = '6281300000003';
  let counter = 0;

  function inGroup(
    from: string | null,
    text: string,
    extra: Partial<IncomingMessage['group'] & object> = {},
  ) {
    counter += 1;
    const names: Record<string, string> = { [BUDI]: 'Budi', [ANI]: 'Ani', [CICI]: 'Cici' };
    return handleIncoming(
      { pool: db.pool },
      {
        from_number: from,
        message_type: 'text',
        text,
        message_id: `grp-${counter}`,
        group: {
          jid: GROUP,
          name: 'Keluarga Santoso',
          sender_lid: null,
          sender_name: from ? (names[from] ?? null) : null,
          ...extra,
        },
      },
    );
  }
  function personal(from: string, text: string) {
    counter += 1;
    return handleIncoming(
      { pool: db.pool },
      { from_number: from, message_type: 'text', text, message_id: `dm-${counter}` },
    );
  }
  const count = (table: 'users' | 'wa_messages' | 'outbox' | 'transactions' | 'households') =>
    db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM ${sql.identifier([table])}`,
    );

  it('stays silent in a group never activated: no rows at all', async () => {
    const before = await Promise.all([count('users'), count('wa_messages'), count('outbox')]);
    const result = await inGroup(BUDI, 'beli beras 65rb');
    expect(result).toMatchObject({ reply: '', intent: 'group_ignored', outbox_ids: [] });
    expect(await Promise.all([count('users'), count('wa_messages'), count('outbox')])).toEqual(before);
  });

  it('asks an unknown number to chat personally first, and activates for a registered person', async () => {
    const unknown = await inGroup(BUDI, 'aktifkan kantong');
    expect(unknown.reply).toBe(REGISTER_FIRST);
    expect(await count('users')).toBe(0);
    expect(await count('households')).toBe(0);

    await personal(BUDI, 'halo');
    await personal(BUDI, 'ya');
    const on = await inGroup(BUDI, '@Kantong Aktifkan kantong!');
    expect(on.intent).toBe('group_activate');
    expect(on.reply).toContain('Keluarga Santoso');
    expect(on.reply).toContain('matikan kantong');
    expect(on.reply).toContain('jadikan');
    const again = await inGroup(BUDI, 'aktifin kantong');
    expect(again.reply).toBe(ALREADY_ACTIVE('Keluarga Santoso'));
  });

  it('books each member into the household, tagged, and leaves personal books alone', async () => {
    await personal(BUDI, 'beli kopi 20rb');
    const budi = await inGroup(BUDI, 'beli beras 65rb');
    expect(budi.reply).toMatch(/^✅ Dicatat buat Budi: pengeluaran Rp65\.000/);
    const ani = await inGroup(ANI, 'bayar listrik 300rb');
    expect(ani.reply).toMatch(/^✅ Dicatat buat Ani: pengeluaran Rp300\.000/);
    // Ani's first message makes her a member, with one line — no welcome guide in the group.
    expect(ani.reply).toContain('kamu sekarang ikut buku bersama');
    expect(ani.reply).not.toContain('Aku bot keuanganmu');
    const rows = await db.pool.any(sql.type(
      z.object({
        kind: z.string(),
        phone: z.string().nullable(),
        amount: z.bigint(),
        author: z.string().nullable(),
      }),
    )`
      SELECT u.kind, u.phone, t.amount, m.display_name AS author
      FROM transactions t JOIN users u ON u.id = t.user_id
      LEFT JOIN household_members m ON m.id = t.author_member_id ORDER BY t.id`);
    expect(rows).toEqual([
      { kind: 'person', phone: BUDI, amount: 20000n, author: null },
      { kind: 'household', phone: null, amount: 65000n, author: 'Budi' },
      { kind: 'household', phone: null, amount: 300000n, author: 'Ani' },
    ]);
    // Budi's personal report knows nothing of the household.
    const report = await personal(BUDI, 'laporan hari ini');
    expect(report.reply).toContain('Expense: Rp20.000');
    // Ani's first personal chat brings the welcome guide she did not get in the group.
    const first = await personal(ANI, 'halo');
    expect(first.reply).toContain('Aku bot keuanganmu');
    expect((await personal(ANI, 'ya')).intent).toBe('activate');
  });

  it('keeps a question per member and reports per person', async () => {
    const asked = await inGroup(BUDI, 'beli galon');
    expect(asked.intent).toBe('clarification');
    expect(asked.reply).toMatch(/^Budi: /);
    // Ani's amount is her own message, not the answer to Budi's question.
    const aniAmount = await inGroup(ANI, 'parkir 5rb');
    expect(aniAmount.reply).toContain('Dicatat buat Ani');
    const answered = await inGroup(BUDI, '21rb');
    expect(answered.reply).toContain('Dicatat buat Budi');
    expect(answered.reply).toContain('Rp21.000');
    const report = await inGroup(ANI, 'laporan hari ini');
    expect(report.reply).toContain('Expense: Rp391.000');
    expect(report.reply).toContain('Per orang:');
    expect(report.reply).toContain('• Ani: keluar Rp305.000');
    expect(report.reply).toContain('• Budi: keluar Rp86.000');
  });

  it("undoes the writer's own last booking, not another member's", async () => {
    await inGroup(ANI, 'beli sabun 10rb');
    const undo = await inGroup(BUDI, 'hapus transaksi terakhir');
    expect(undo.reply).toContain('Rp21.000');
    const live = await db.pool.anyFirst(sql.type(z.object({ amount: z.bigint() }))`
      SELECT t.amount FROM transactions t JOIN users u ON u.id = t.user_id
      WHERE u.kind = 'household' AND t.deleted_at IS NULL ORDER BY t.id`);
    expect(live).toEqual([65000n, 300000n, 5000n, 10000n]);
  });

  it('lets only owners change roles, refuses viewers when booking, keeps one owner', async () => {
    expect((await inGroup(ANI, `jadikan ${BUDI} viewer`)).intent).toBe('group_owners_only');
    const demoted = await inGroup(BUDI, 'jadikan 0813-0000-0002 viewer');
    expect(demoted.reply).toContain('Ani sekarang *viewer*');
    const refused = await inGroup(ANI, 'beli gula 15rb');
    expect(refused.intent).toBe('group_viewer_refused');
    expect(refused.reply).toContain('viewer');
    const read = await inGroup(ANI, 'laporan hari ini');
    expect(read.intent).toBe('get_report');
    expect((await inGroup(BUDI, `jadikan @${BUDI} member`)).reply).toBe(LAST_OWNER);
    expect((await inGroup(ANI, 'bantuan')).reply).toContain("'matikan kantong'");
    const list = await inGroup(ANI, 'anggota');
    expect(list.reply).toContain('• Budi: owner');
    expect(list.reply).toContain('• Ani: viewer');
    await inGroup(BUDI, `jadikan +62 813 0000 0002 member`);
    expect((await inGroup(ANI, 'beli gula 15rb')).reply).toContain('Dicatat buat Ani');
  });

  it('sends the dashboard link privately, never into the group', async () => {
    const result = await inGroup(BUDI, 'dashboard');
    expect(result.intent).toBe('group_dashboard_link');
    expect(result.reply).not.toContain(LINK_PLACEHOLDER);
    const outbox = await db.pool.any(sql.type(z.object({ to_number: z.string(), body: z.string() }))`
      SELECT to_number, body FROM outbox WHERE id = ANY(${sql.array(result.outbox_ids, 'int8')})`);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.to_number).toBe(BUDI);
    expect(outbox[0]?.body).toContain(LINK_PLACEHOLDER);
  });

  it('marks members who left, refuses their bookings, and lets them back on joining', async () => {
    const left = await inGroup(BUDI, '', {
      event: {
        kind: 'left',
        members: [
          { phone: CICI, lid: null },
          { phone: ANI, lid: null },
        ],
      },
    });
    expect(left).toMatchObject({ intent: 'group_left', reply: '', outbox_ids: [] });
    expect((await inGroup(ANI, 'beli teh 8rb')).intent).toBe('group_left_refused');
    await inGroup(BUDI, '', { event: { kind: 'joined', members: [{ phone: ANI, lid: null }] } });
    expect((await inGroup(ANI, 'beli teh 8rb')).reply).toContain('Dicatat buat Ani');
  });

  it('knows a member by LID alone', async () => {
    const result = await inGroup(null, 'beli es 7rb', { sender_lid: '99887766554433', sender_name: null });
    expect(result.reply).toMatch(/^✅ Dicatat buat …4433: /);
  });

  it('goes silent after matikan kantong by an owner', async () => {
    expect((await inGroup(ANI, 'matikan kantong')).intent).toBe('group_owners_only');
    expect((await inGroup(BUDI, 'matikan kantong')).intent).toBe('group_deactivate');
    const before = await count('wa_messages');
    expect((await inGroup(ANI, 'beli roti 12rb')).intent).toBe('group_ignored');
    expect(await count('wa_messages')).toBe(before);
    // Only an owner still in the group switches it back on.
    expect((await inGroup(ANI, 'aktifkan kantong')).intent).toBe('group_owners_only');
    expect((await inGroup(BUDI, 'aktifkan kantong')).intent).toBe('group_activate');
  });
});

describe('receipts, voice notes, budgets and savings in a household', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await send(OWNER, 'halo');
    await send(OWNER, 'ya');
    await send(OWNER, 'aktifkan kantong', GROUP);
    await send(MEMBER, 'halo juga', GROUP);
  });
  afterAll(async () => {
    await db.drop();
  });

  const GROUP = '120363000000000002@g.us';
  const OWNER = '6281400000001';
  const MEMBER = '6281400000002';
  const NAMES: Record<string, string> = { [OWNER]: 'Rina', [MEMBER]: 'Dodi' };
  let counter = 0;

  function send(
    from: string,
    text: string,
    group?: string,
    extra: Partial<IncomingMessage> = {},
    extracted?: Extracted,
  ) {
    counter += 1;
    return handleIncoming(
      { pool: db.pool },
      {
        from_number: from,
        message_type: 'text',
        text,
        message_id: `media-${counter}`,
        ...(group
          ? { group: { jid: group, name: null, sender_lid: null, sender_name: NAMES[from] ?? null } }
          : {}),
        ...extra,
      },
      extracted,
    );
  }
  const reading: ReceiptReading = {
    total: 87_500n,
    date: null,
    merchant: 'Indomaret',
    items: [],
    raw_text: 'INDOMARET\nTOTAL 87.500',
    confidence: 0.95,
    status: 'confirmed',
    kind: 'purchase',
    topup: null,
    checks: ['items'],
  };

  it('names the household after the group, or "Keluarga"', async () => {
    const name = await db.pool.oneFirst(sql.type(z.object({ name: z.string() }))`
      SELECT u.name FROM households h JOIN users u ON u.id = h.book_id WHERE h.group_jid = ${GROUP}`);
    expect(name).toBe('Keluarga');
  });

  it('books a receipt photo and a voice note to the household, tagged with the author', async () => {
    const photo = await send(
      MEMBER,
      '',
      GROUP,
      { message_type: 'image', text: null },
      { kind: 'receipt', reading, media: null },
    );
    expect(photo.intent).toBe('receipt');
    expect(photo.reply).toMatch(/^Dodi: /);
    const voice = await send(
      OWNER,
      '',
      GROUP,
      { message_type: 'audio', text: null },
      { kind: 'transcript', text: 'beli bensin lima puluh ribu', duration_s: 3, media: null },
    );
    expect(voice.reply).toContain('Dicatat buat Rina');
    const booked = await db.pool.any(sql.type(
      z.object({ amount: z.bigint(), author: z.string().nullable(), kind: z.string() }),
    )`
      SELECT t.amount, m.display_name AS author, u.kind FROM transactions t
      JOIN users u ON u.id = t.user_id LEFT JOIN household_members m ON m.id = t.author_member_id ORDER BY t.id`);
    expect(booked).toEqual([
      { amount: 87_500n, author: 'Dodi', kind: 'household' },
      { amount: 50_000n, author: 'Rina', kind: 'household' },
    ]);
  });

  it('keeps budgets and their alerts per household, in the group', async () => {
    expect((await send(OWNER, 'set budget makan 100rb', GROUP)).reply).toContain('Budget Makan Rp100.000');
    const over = await send(MEMBER, 'makan siang 85rb', GROUP);
    expect(over.reply).toContain('Dicatat buat Dodi');
    expect(over.reply).toContain('⚠️ Budget Makan bulan ini udah kepakai 85%');
    // The owner's own books have no such budget: their personal lunch alerts nothing.
    expect((await send(OWNER, 'makan siang 95rb')).reply).not.toContain('Budget');
  });

  it('shares savings goals: one member starts it, another saves into it', async () => {
    await send(OWNER, 'buat tabungan mudik 5jt', GROUP);
    expect((await send(MEMBER, 'setor mudik 500rb', GROUP)).reply).toContain('Dodi');
    const overview = await send(OWNER, 'cek tabungan', GROUP);
    expect(overview.reply).toContain('💰 Tabungan bersama:');
    expect(overview.reply).toContain('mudik');
    const author = await db.pool.oneFirst(sql.type(z.object({ author: z.string().nullable() }))`
      SELECT m.display_name AS author FROM savings_transactions s
      LEFT JOIN household_members m ON m.id = s.author_member_id ORDER BY s.id DESC LIMIT 1`);
    expect(author).toBe('Dodi');
    // Rina's personal chat has no savings goal at all.
    expect((await send(OWNER, 'cek tabungan')).reply).not.toContain('mudik');
  });

  it("refuses a viewer's receipt and voice note", async () => {
    await send(OWNER, `jadikan ${MEMBER} viewer`, GROUP);
    const photo = await send(
      MEMBER,
      '',
      GROUP,
      { message_type: 'image', text: null },
      { kind: 'receipt', reading, media: null },
    );
    expect(photo.intent).toBe('group_viewer_refused');
    const voice = await send(
      MEMBER,
      '',
      GROUP,
      { message_type: 'audio', text: null },
      { kind: 'transcript', text: 'beli kopi dua puluh ribu', duration_s: 2, media: null },
    );
    expect(voice.intent).toBe('group_viewer_refused');
  });
});
