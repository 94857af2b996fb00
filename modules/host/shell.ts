/** Quotes a value for bash: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(value: string | number): string {
  const text = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every word and joins them into one bash command line. */
export const shellWords = (words: ReadonlyArray<string | number>): string => words.map(shellQuote).join(" ");

/** `NAME=value` with the value quoted; NAME must be a valid shell variable name. */
export function shellAssign(name: string, value: string | number): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${JSON.stringify(name)}`);
  // Always quoted: a bare word such as `test` reads like a command to shellcheck (SC2209).
  return `${name}='${String(value).replace(/'/g, `'\\''`)}'`;
}

/**
 * A quoted here-document carrying `content` verbatim (no expansion inside). Throws when the
 * content contains the delimiter on a line of its own, which would end the document early.
 */
export function heredoc(content: string, delimiter = "OPENCLAW_EOF"): string {
  const body = content.endsWith("\n") ? content : `${content}\n`;
  if (body.split("\n").includes(delimiter)) throw new Error(`here-document content contains its delimiter ${delimiter}`);
  return `<<'${delimiter}'\n${body}${delimiter}`;
}
