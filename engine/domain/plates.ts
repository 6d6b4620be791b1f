// Car plates as identifiers: one normal form, so 'а123вс 77' and 'A123BC77' are the same car.

/** Plates compare in upper case without spaces or dashes, with Cyrillic look-alikes read as Latin. */
export function normalizePlate(plate: string): string {
  const cyrillic = 'АВЕКМНОРСТУХ';
  const latin = 'ABEKMHOPCTYX';
  let normalized = '';
  for (const char of plate.toUpperCase()) {
    if (char === ' ' || char === '-') continue;
    const index = cyrillic.indexOf(char);
    normalized += index >= 0 ? latin[index] : char;
  }
  return normalized;
}
