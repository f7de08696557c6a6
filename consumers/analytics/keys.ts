/**
 * Field names that come from data (SKUs, failure reason types) become object keys in rollup documents and parts
 * of dotted update paths (`skus.<sku>.qty`). A '.' would split the path, a leading '$' is refused as an operator
 * (every '$' is encoded, which is simpler and no less exact) and a NUL byte cannot be stored in a name, so those
 * characters are percent-encoded, together with '%' itself so that decoding is exact. The empty string, which would leave an empty path segment, is stored as a lone '%' — a form
 * no non-empty string encodes to.
 */
const RESERVED = new Set(['%', '.', '$', '\u0000']);
const ENCODED = /%([0-9A-F]{2})/g;

export function encodeKey(value: string): string {
  if (value === '') return '%';
  return Array.from(value, (char) =>
    RESERVED.has(char) ? `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : char,
  ).join('');
}

export function decodeKey(key: string): string {
  if (key === '%') return '';
  return key.replace(ENCODED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
