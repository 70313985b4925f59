// POSIX shell quoting: every inventory or param value reaches a shell only through here.

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** Quotes `value` for a POSIX shell. Safe words stay bare so plans remain readable. */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
