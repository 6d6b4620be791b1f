// Who is looking at the dashboard: the signed-in person (`GET /api/v1/auth/me`), what the role may do
// (the engine's own permission matrix, engine/security/permissions.ts — the same data the server
// authorises with, so the menu never offers what the server would refuse), and signing out. Until the
// answer is known the page shows nothing; a 401 from any call ends the session on this page too.

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { permissionMatrix } from '../../engine/security/permissions';
import type { Action } from '../../engine/security/permissions';
import type { Role } from '../../engine/security/principal';
import { api, ApiProblem, onSignedOut, rememberCsrf } from './http';
import { setDisplayZone } from './format';
import { defaultZone } from './periods';

export type { Action, Role };

export interface User {
  id: string;
  network: string;
  email: string;
  name?: string;
  role: Role;
  sites: string[];
  owner?: { kind: 'counterparty' | 'client'; id: string };
  status: string;
  secondFactor?: string;
}

export interface Me {
  kind: 'user' | 'apikey';
  id: string;
  network: string;
  role: Role;
  sites: string[] | 'all';
  owner?: { kind: 'counterparty' | 'client'; id: string };
  /** The network's time zone: its days and the times people read. */
  timezone?: string;
  user?: User;
}

export type SessionState = { status: 'loading' } | { status: 'signed-out'; reason?: 'ended' | 'signed-out' } | { status: 'signed-in'; me: Me };

interface SessionValue {
  state: SessionState;
  /** After the code step: load who signed in. */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const refresh = useCallback(async () => {
    try {
      const me = await api.get<Me>('/auth/me');
      setDisplayZone(me.timezone ?? defaultZone);
      setState({ status: 'signed-in', me });
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) {
        rememberCsrf(undefined);
        setState({ status: 'signed-out' });
      } else setState({ status: 'signed-out' });
    }
  }, []);
  useEffect(() => {
    void refresh();
    return onSignedOut(() => {
      rememberCsrf(undefined);
      setState((previous) => (previous.status === 'signed-in' ? { status: 'signed-out', reason: 'ended' } : previous));
    });
  }, [refresh]);
  const signOut = useCallback(async () => {
    await api.post('/auth/logout').catch(() => undefined);
    rememberCsrf(undefined);
    setState({ status: 'signed-out', reason: 'signed-out' });
  }, []);
  const value = useMemo(() => ({ state, refresh, signOut }), [state, refresh, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession outside SessionProvider');
  return value;
}

/** May this role do `action` at all (the server still checks the target: sites, own records)? */
export function roleMay(role: Role, action: Action): boolean {
  const grants: Readonly<Partial<Record<Role, string>>> = permissionMatrix[action].grants;
  return grants[role] !== undefined;
}

/** The signed-in viewer; only for screens shown after sign-in. */
export function useMe(): Me & { may(action: Action): boolean; zone: string } {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe before sign-in');
  const me = state.me;
  return useMemo(() => ({ ...me, zone: me.timezone ?? defaultZone, may: (action: Action) => roleMay(me.role, action) }), [me]);
}
