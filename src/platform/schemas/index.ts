/**
 * The schemas every service's contract is made of, stated once, as strict as what PostgreSQL will store: a request
 * that passes them cannot make the database refuse it. They validate requests and events, and describe both in the
 * OpenAPI and JSON Schema documents.
 */
import Type, { type TObject, type TProperties } from 'typebox';

/**
 * A UUID as PostgreSQL reads it: 8-4-4-4-12 hex digits and nothing else. JSON Schema's `format: uuid` also takes
 * `urn:uuid:…`, which PostgreSQL refuses.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const Uuid = (description: string) =>
  Type.String({ pattern: UUID_PATTERN, minLength: 36, maxLength: 36, description, examples: ['01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f'] });

/**
 * Text PostgreSQL can hold and UTF-8 can carry: no NUL character (a `text` column refuses it) and no lone UTF-16
 * surrogate (it would reach the database as U+FFFD, silently changed). Validators read patterns with the `u` flag,
 * where an astral character is one code point and a lone surrogate matches the class.
 */
export const TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

export const Text = (options: { minLength: number; maxLength: number; description: string; examples?: string[] }) =>
  Type.String({ pattern: TEXT_PATTERN, ...options });

/** An address as users stores it: RFC 5321 caps it at 254 characters. */
export const Email = (description: string) =>
  Type.String({ format: 'email', minLength: 3, maxLength: 254, description, examples: ['ann@example.com'] });

export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

/** An amount or a price: whole kopecks, 1 to 10^12 (10 billion roubles). */
export const Kopecks = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: `${description}, in kopecks, 1 to 1,000,000,000,000`, examples: [10000] });

/** A balance: whole kopecks, up to 2^53 − 1 so that every balance is exact as a JSON number. */
export const Balance = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description}, in kopecks` });

export const Currency = Type.Literal('RUB', { description: 'Always RUB' });

const DEFAULT_PAGE_SIZE = 20;

/** `?limit=&cursor=` of every list: optional, so an absent limit takes its default. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE, description: 'Items per page, 1 to 100' })),
  cursor: Type.Optional(Uuid('nextCursor of the previous page')),
};

/** A list query: its own filters and the page, no other parameter. */
export const ListQuery = <P extends TProperties>(filters: P) => Type.Object({ ...filters, ...PageQuery }, { additionalProperties: false });

/** A page of items, newest first; nextCursor is null on the last page. */
export const Page = <T extends TObject>(item: T) =>
  Type.Object({
    items: Type.Array(item, { maxItems: 100 }),
    nextCursor: Type.Union([Uuid('Pass as ?cursor= for the next page'), Type.Null()]),
  });

export interface PageRequest {
  limit: number;
  cursor: string | undefined;
}

/** The page a list query asks for (the validator has filled in the default limit; types do not know that). */
export const pageOf = (query: { limit?: number; cursor?: string }): PageRequest => ({ limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor });

/** A full page may have a next one, which starts after its last item. */
export function toPage<T>(items: T[], page: PageRequest, idOf: (item: T) => string): { items: T[]; nextCursor: string | null } {
  const last = items.at(-1);
  return { items, nextCursor: items.length === page.limit && last ? idOf(last) : null };
}
