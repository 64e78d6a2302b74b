/**
 * A user's categories: the defaults copied at sign-up plus their own. The parser receives them as
 * options (name, kind, keywords) so a user's keyword ("kopken" → Makan) beats the lexicon.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { type CategoryKind, CategoryKindSchema, type CategoryOption } from '../nlu/schema.ts';

export const CategorySchema = z.object({
  id: z.number(),
  name: z.string(),
  kind: CategoryKindSchema,
  keywords: z.string().nullable(),
});
export type Category = z.infer<typeof CategorySchema>;

export function splitKeywords(keywords: string | null): string[] {
  return (keywords ?? '')
    .split(',')
    .map((word) => word.trim().toLowerCase())
    .filter((word) => word.length > 0);
}

export async function listForUser(db: CommonQueryMethods, userId: number): Promise<readonly Category[]> {
  return db.any(
    sql.type(
      CategorySchema,
    )`SELECT id, name, kind, keywords FROM categories WHERE user_id = ${userId} ORDER BY kind, name`,
  );
}

/** The user's categories in the shape the parser takes. */
export async function optionsForUser(db: CommonQueryMethods, userId: number): Promise<CategoryOption[]> {
  return optionsOf(await listForUser(db, userId));
}

/**
 * Options by the categories' content. Each message reads its sender's categories afresh, and most
 * senders keep the defaults they were given, so equal lists share one frozen array (issue 16:
 * splitting every keyword of every category per message showed in the workers' profile), and the
 * parser's index for it is found by the array itself (nlu/categories.ts). Bounded: past the limit
 * the oldest list is forgotten.
 */
const optionsByContent = new Map<string, CategoryOption[]>();
const OPTIONS_LIMIT = 1000;

/** Categories as the parser takes them (keywords split); the same array for the same content. */
export function optionsOf(
  categories: readonly Pick<Category, 'name' | 'kind' | 'keywords'>[],
): CategoryOption[] {
  const key = categories.map((c) => `${c.kind}\u0001${c.name}\u0001${c.keywords ?? ''}`).join('\u0003');
  let options = optionsByContent.get(key);
  if (options === undefined) {
    options = Object.freeze(
      categories.map((category) =>
        Object.freeze({
          name: category.name,
          kind: category.kind,
          keywords: Object.freeze(splitKeywords(category.keywords)) as string[],
        }),
      ),
    ) as unknown as CategoryOption[];
    if (optionsByContent.size >= OPTIONS_LIMIT)
      optionsByContent.delete(optionsByContent.keys().next().value ?? '');
    optionsByContent.set(key, options);
  }
  return options;
}

export async function findByName(
  db: CommonQueryMethods,
  userId: number,
  name: string,
): Promise<Category | null> {
  return db.maybeOne(sql.type(CategorySchema)`
    SELECT id, name, kind, keywords FROM categories WHERE user_id = ${userId} AND lower(name) = lower(${name})`);
}

/** `findByName` over categories already read: the one called `name` in any case, or null. */
export function byName<C extends Pick<Category, 'name'>>(categories: readonly C[], name: string): C | null {
  const wanted = name.toLowerCase();
  return categories.find((category) => category.name.toLowerCase() === wanted) ?? null;
}

/**
 * The user's category called `name` (any case), created with `kind` when it does not exist yet:
 * "ganti kondangan" makes a new expense category "Kondangan".
 */
export async function findOrCreate(
  tx: CommonQueryMethods,
  userId: number,
  name: string,
  kind: CategoryKind,
): Promise<Category> {
  const existing = await findByName(tx, userId, name);
  if (existing) return existing;
  const created = await tx.maybeOne(sql.type(CategorySchema)`
    INSERT INTO categories (user_id, name, kind) VALUES (${userId}, ${name}, ${kind})
    ON CONFLICT DO NOTHING
    RETURNING id, name, kind, keywords`);
  return (
    created ??
    (await tx.one(sql.type(CategorySchema)`
    SELECT id, name, kind, keywords FROM categories WHERE user_id = ${userId} AND lower(name) = lower(${name})`))
  );
}

/** One of the user's categories by id; another user's is null. */
export async function findForUser(
  db: CommonQueryMethods,
  userId: number,
  id: number,
): Promise<Category | null> {
  return db.maybeOne(sql.type(CategorySchema)`
    SELECT id, name, kind, keywords FROM categories WHERE id = ${id} AND user_id = ${userId}`);
}
