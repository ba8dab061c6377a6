/** A word as a POSIX shell reads it back: single quotes, each ' written as '\''. */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
