/**
 * A list typed into one field (IP addresses, prefixes, keywords, phone numbers) as the API takes it: commas,
 * semicolons or new lines between the items (spaces stay inside one, as in "+48 500 600 700"), each trimmed,
 * empty ones dropped.
 */
export const listOf = (text: string): string[] =>
  text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
