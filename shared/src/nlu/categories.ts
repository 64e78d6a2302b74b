/**
 * Finds category keywords in a message. The user's own categories (ParseContext.categories, names
 * included) are searched first, then the default lexicon, so a user who files "kopi" under
 * "Ngopi" gets "Ngopi" — even when the user's list also holds the defaults, since a category the
 * user made wins ties over a default name. Then the longest keyword wins ("susu formula" over
 * "susu"), then the earliest.
 */
import { DEFAULT_CATEGORIES, DEFAULT_CATEGORY_NAMES } from './lexicon.ts';
import type { CategoryKind, CategoryOption } from './schema.ts';
import { keywordWords } from './text.ts';

export type CategoryMatch = {
  name: string;
  kind: CategoryKind;
  /** Index of the first matched word in the word list, and how many words matched. */
  start: number;
  length: number;
  /** Came from the user's categories rather than the default lexicon. */
  user: boolean;
  /** The keyword matched is the category's own name. */
  byName: boolean;
  /** A user category that is not one of the defaults: a deliberate choice, so it wins ties. */
  custom: boolean;
};

type Entry = { words: readonly string[]; name: string; kind: CategoryKind; byName: boolean };

/** Keyword entries by their first word, for one list of categories. */
export type CategoryIndex = ReadonlyMap<string, readonly Entry[]>;

function buildIndex(categories: readonly CategoryOption[]): CategoryIndex {
  const index = new Map<string, Entry[]>();
  const addEntry = (text: string, category: CategoryOption, byName: boolean): void => {
    const words = keywordWords(text);
    const first = words[0];
    if (first === undefined || words.length > 6) return;
    const list = index.get(first) ?? [];
    list.push({ words, name: category.name, kind: category.kind, byName });
    index.set(first, list);
  };
  for (const category of categories) {
    addEntry(category.name, category, true);
    for (const keyword of category.keywords) addEntry(keyword, category, false);
  }
  return index;
}

const DEFAULT_INDEX = buildIndex(DEFAULT_CATEGORIES);
const DEFAULT_NAMES: ReadonlySet<string> = new Set(DEFAULT_CATEGORY_NAMES);
/**
 * The index of each category list, kept as long as the list is. Each message reads its user's
 * categories afresh, and Categories.optionsOf hands out one array per content (most users keep
 * the defaults they were given), so equal lists share one index instead of each message
 * tokenizing every keyword again (issue 16's profile). A list made elsewhere gets its own.
 */
const indexByList = new WeakMap<readonly CategoryOption[], CategoryIndex>();

function userIndex(categories: readonly CategoryOption[]): CategoryIndex {
  let index = indexByList.get(categories);
  if (index === undefined) {
    index = buildIndex(categories);
    indexByList.set(categories, index);
  }
  return index;
}

function scan(words: readonly string[], index: CategoryIndex, user: boolean): CategoryMatch[] {
  const matches: CategoryMatch[] = [];
  for (let start = 0; start < words.length; start += 1) {
    const entries = index.get(words[start] ?? '');
    if (entries === undefined) continue;
    for (const entry of entries) {
      let ok = true;
      for (let offset = 1; offset < entry.words.length; offset += 1) {
        if (words[start + offset] !== entry.words[offset]) {
          ok = false;
          break;
        }
      }
      if (ok) {
        matches.push({
          name: entry.name,
          kind: entry.kind,
          start,
          length: entry.words.length,
          user,
          byName: entry.byName,
          custom: user && !DEFAULT_NAMES.has(entry.name),
        });
      }
    }
  }
  return matches;
}

/** Every keyword match in `words` (normalised words), user categories' matches first. */
export function matchCategories(
  words: readonly string[],
  categories: readonly CategoryOption[] | undefined,
): CategoryMatch[] {
  const fromUser = categories === undefined ? [] : scan(words, userIndex(categories), true);
  return [...fromUser, ...scan(words, DEFAULT_INDEX, false)];
}

/** Whether `a` should be used over `b`: user's over defaults, custom over default names, longest, earliest. */
function better(a: CategoryMatch, b: CategoryMatch): boolean {
  if (a.user !== b.user) return a.user;
  if (a.custom !== b.custom) return a.custom;
  if (a.length !== b.length) return a.length > b.length;
  return a.start < b.start;
}

/** The match to use (see {@link better}); optionally only of one kind. */
export function bestCategory(matches: readonly CategoryMatch[], kind?: CategoryKind): CategoryMatch | null {
  let best: CategoryMatch | null = null;
  for (const match of matches) {
    if (kind !== undefined && match.kind !== kind) continue;
    if (best === null || better(match, best)) best = match;
  }
  return best;
}

/**
 * The canonical category a short phrase names ("transport" → "Transport", "pulsa" → "Pulsa &
 * Data", "kopi" → "Makan"), or null when nothing matches. `exact` tells whether the phrase is
 * wholly a category name or keyword (rather than containing one among other words).
 */
export function resolveCategory(
  words: readonly string[],
  categories: readonly CategoryOption[] | undefined,
): { name: string; kind: CategoryKind; exact: boolean } | null {
  const best = bestCategory(matchCategories(words, categories));
  if (best === null) return null;
  return { name: best.name, kind: best.kind, exact: best.length === words.length };
}
