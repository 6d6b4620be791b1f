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

/** Whether a typed plate normalises to 2–12 Latin letters and digits. */
export function isPlausiblePlate(plate: string): boolean {
  return /^[A-Z0-9]{2,12}$/.test(normalizePlate(plate));
}
