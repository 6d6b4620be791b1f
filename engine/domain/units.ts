// Quantities: thousandths of a product's unit (millilitres for litres, 1000 per piece or minute).

/** One unit of a product in thousandths (1 l = 1000 ml, 1 pc = 1000). */
export const oneUnit = 1000;
