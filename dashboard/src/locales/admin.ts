// The words of the reports, users and roles, the audit log and the profile screens, Russian and English.

const ru = {
  admin: {},
};

const en: typeof ru = {
  admin: {},
};

export const words = { ru, en };
