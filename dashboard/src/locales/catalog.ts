// The words of the catalog: sites and terminals, products and prices, discounts, bonus programme, wash tariffs screens, Russian and English.

const ru = {
  catalog: {},
};

const en: typeof ru = {
  catalog: {},
};

export const words = { ru, en };
