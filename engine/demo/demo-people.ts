// The people of the demo network: one user of each role, with passwords everyone knows (they are
// printed in the README, so never use the demo on real data). `tessera serve --demo` creates the ones
// that are missing; without an SMTP server their sign-in codes land in `<data>/outbox/` as files.

import type { NewUser } from '../security/index.js';
import type { Role } from '../security/principal.js';

export interface DemoPerson extends NewUser {
  role: Role;
  password: string;
}

/** One password for every demo user: the README says so. */
export const demoPassword = 'tessera-demo-2026';

export const demoPeople: readonly DemoPerson[] = [
  { network: 'sever', email: 'owner@sever.demo', name: 'Ольга Владимирова', role: 'owner', password: demoPassword },
  { network: 'sever', email: 'admin@sever.demo', name: 'Андрей Смирнов', role: 'admin', password: demoPassword },
  { network: 'sever', email: 'accountant@sever.demo', name: 'Елена Соколова', role: 'accountant', password: demoPassword },
  { network: 'sever', email: 'operator@sever.demo', name: 'Игорь Петренко', role: 'operator', password: demoPassword, sites: ['MSK-01', 'MSK-02'] },
  { network: 'sever', email: 'attendant@sever.demo', name: 'Павел Новиков', role: 'attendant', password: demoPassword, sites: ['WASH-01'] },
  { network: 'sever', email: 'ivanova@sever.demo', name: 'Иванова Мария', role: 'client', password: demoPassword, owner: { kind: 'client', id: 'ivanova' } },
  { network: 'sever', email: 'logistic@sever.demo', name: 'ООО «Логистик-Трейд»', role: 'client', password: demoPassword, owner: { kind: 'counterparty', id: 'logistic-trade' } },
];
