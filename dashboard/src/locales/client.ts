// The words of the client's own cabinet screens, Russian and English.

const ru = {
  client: {},
};

const en: typeof ru = {
  client: {},
};

export const words = { ru, en };
