/*
| Matching typed text in tenant queries.
|
| Phone prefix search as a range in "C" (code point) order rather than LIKE:
| under row-level security PostgreSQL keeps non-leakproof operators such as
| LIKE above the tenant policy, so only leakproof comparisons reach the
| (tenant_id, phone COLLATE "C") index of migration 0190.
*/

/** The least string after every string starting with `prefix`, in code point order; null if none. */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix]
  while (points.length > 0) {
    let next = points.pop()!.codePointAt(0)! + 1
    // Surrogate code points are not characters; the next character is U+E000.
    if (next === 0xd800) next = 0xe000
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next)
  }
  return null
}

/** Keeps the rows whose `column` starts with `prefix` (exactly what LIKE 'prefix%' keeps). */
export function wherePhonePrefix<
  Query extends { whereRaw(sql: string, bindings: string[]): Query },
>(query: Query, column: string, prefix: string): Query {
  query.whereRaw(`${column} COLLATE "C" >= ?`, [prefix])
  const end = prefixEnd(prefix)
  return end === null ? query : query.whereRaw(`${column} COLLATE "C" < ?`, [end])
}

/** `text` as a LIKE pattern that matches it literally (its %, _ and \ escaped). */
export function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}
