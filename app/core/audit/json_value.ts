/** A JSON value as the audit log stores it (before/after of a change). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
