/**
 * True when `s` holds a UTF-16 surrogate without its partner. Such a string has no UTF-8 form, so
 * SQLite and Qdrant would store a replacement character and hand back a different string.
 */
export function hasLoneSurrogate(s: string): boolean {
  // In `u` mode a class of surrogates matches only unpaired ones.
  return /[\uD800-\uDFFF]/u.test(s);
}
