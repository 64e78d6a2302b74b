/** Which books a dashboard page shows, and how that choice travels (issue 15). */
import type * as Households from '@kantong/shared/households';
import type * as Users from '@kantong/shared/users';

/**
 * The books a page shows: the person's own ("Pribadi") or a household's they belong to. Every
 * ledger call of a page takes `id` (a household's books are a users row of their own), `timezone`
 * is the book's, `role` decides what the page offers and `memberId` tags what the person adds.
 */
export type OpenBook = {
  id: number;
  kind: 'personal' | 'household';
  name: string;
  timezone: string;
  /** A person is the owner of their own books. */
  role: Households.Role;
  /** The person's member row in a household; null for personal books. */
  memberId: number | null;
};

/**
 * How the open book travels: a `buku` query parameter on every link, form action, HTMX call and
 * export (absent: Pribadi). Not a cookie, so two tabs can show two books and a form always writes
 * into the book its page showed. The parameter is only a choice: every request checks it against
 * household_members (still in the group, and the role) before anything is read or written.
 */
export const BOOK_PARAM = 'buku';
export const BookParamSchema = /^[1-9][0-9]{0,15}$/;

export function personalBook(user: Users.User): OpenBook {
  return {
    id: user.id,
    kind: 'personal',
    name: 'Pribadi',
    timezone: user.timezone,
    role: 'owner',
    memberId: null,
  };
}

/** `path` with the open book's parameter, so a link or form stays in the book its page shows. */
export function inBook(book: Pick<OpenBook, 'id' | 'kind'>, path: string): string {
  if (book.kind === 'personal') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${BOOK_PARAM}=${book.id}`;
}

export const ROLE_LABEL = { owner: 'Pemilik', member: 'Anggota', viewer: 'Cuma lihat' } as const;

/** Whether the open book takes new rows and edits from this person (a viewer's never do). */
export function canWrite(book: Pick<OpenBook, 'role'>): boolean {
  return book.role !== 'viewer';
}
