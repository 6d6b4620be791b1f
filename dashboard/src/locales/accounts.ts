// The words of the counterparties, accounts, cards and clients screens, Russian and English.

const ru = {
  accounts: {},
};

const en: typeof ru = {
  accounts: {},
};

export const words = { ru, en };
