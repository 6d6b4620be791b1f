// A role and its reach in a form, for a user and for an API key alike: the role (an owner offered only
// to whom may make owners), the sites an operator or attendant works at, and the counterparty or
// wash-client record a client is bound to; plus the pickers' lists, read page by page.

import { useEffect, useState } from 'react';
import { Form, Select } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { roles } from '../../../engine/security/principal';
import type { Role } from '../../../engine/security/principal';
import { api } from '../http';
import { useMe } from '../session';

export const sitesRoles: readonly Role[] = ['operator', 'attendant'];
export type OwnerKind = 'counterparty' | 'client';

export interface Named {
  id: string;
  name?: string;
}

export interface ReachValues {
  role: Role;
  sites?: string[];
  ownerKind?: OwnerKind;
  ownerId?: string;
}

/** Every page of a reference list (`{ items, next }`), for the pickers. */
async function allOf(path: string): Promise<Named[]> {
  const items: Named[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const page = await api.get<{ items: Named[]; next?: string }>(path, { limit: 200, after });
    items.push(...page.items);
    if (page.next === undefined) break;
    after = page.next;
  }
  return items;
}

export interface ReachLists {
  sites: Named[];
  owners: Record<OwnerKind, Named[]>;
}

/** The network's sites, counterparties and clients, once `enabled` (a viewer who may manage). */
export function useReachLists(enabled: boolean): ReachLists {
  const [sites, setSites] = useState<Named[]>([]);
  const [owners, setOwners] = useState<Record<OwnerKind, Named[]>>({ counterparty: [], client: [] });
  useEffect(() => {
    if (!enabled) return;
    void allOf('/sites').then(setSites, () => undefined);
    void Promise.all([allOf('/counterparties'), allOf('/clients')]).then(([counterparty, client]) => setOwners({ counterparty, client }), () => undefined);
  }, [enabled]);
  return { sites, owners };
}

/** The reach the API takes for a role: sites for an operator or attendant, the record for a client. */
export function reachOf(values: ReachValues): { sites?: string[]; owner?: { kind: OwnerKind; id: string } } {
  const owner = values.role === 'client' && values.ownerKind !== undefined && values.ownerId !== undefined ? { kind: values.ownerKind, id: values.ownerId } : undefined;
  return { ...(sitesRoles.includes(values.role) ? { sites: values.sites ?? [] } : {}), ...(owner !== undefined ? { owner } : {}) };
}

const label = (entry: Named, suffix: boolean): string => (entry.name === undefined ? entry.id : suffix ? `${entry.name} (${entry.id})` : `${entry.id} — ${entry.name}`);

/** The role, sites and owner fields; `testId` prefixes the fields' test ids (`<testId>-role`, `-sites`). */
export function ReachFields<T extends ReachValues>({ form, lists, testId }: { form: FormInstance<T>; lists: ReachLists; testId: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const role = Form.useWatch('role', form);
  const ownerKind = Form.useWatch('ownerKind', form);
  return (
    <>
      <Form.Item name="role" label={t('users.fields.role')} rules={[{ required: true }]}>
        <Select data-testid={`${testId}-role`} options={roles.filter((entry) => entry !== 'owner' || me.may('owners.manage')).map((entry) => ({ value: entry, label: t(`roles.${entry}`) }))} />
      </Form.Item>
      {role !== undefined && sitesRoles.includes(role) && (
        <Form.Item name="sites" label={t('users.fields.sites')} rules={[{ required: true, type: 'array', min: 1, message: t('users.errors.sites') }]}>
          <Select mode="multiple" data-testid={`${testId}-sites`} options={lists.sites.map((site) => ({ value: site.id, label: label(site, false) }))} />
        </Form.Item>
      )}
      {role === 'client' && (
        <>
          <Form.Item name="ownerKind" label={t('users.fields.ownerKind')} rules={[{ required: true, message: t('validation.required') }]}>
            <Select options={(['counterparty', 'client'] as const).map((kind) => ({ value: kind, label: t(`users.owner.${kind}`) }))} />
          </Form.Item>
          <Form.Item name="ownerId" label={t('users.fields.owner')} rules={[{ required: true, message: t('validation.required') }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} options={(ownerKind === 'client' ? lists.owners.client : lists.owners.counterparty).map((owner) => ({ value: owner.id, label: label(owner, true) }))} />
          </Form.Item>
        </>
      )}
    </>
  );
}
