/** Who is signed in (from the login or /me answer) and what their role lets them do. */
import { createContext, useContext } from 'react';
import { roleAllows, type Role } from '../../../../contracts/hq-api.ts';

export interface Session {
  user: { name: string; role: Role };
  logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** operators and admins acknowledge, clear and send commands; viewers only read */
export function useCanOperate(): boolean {
  return roleAllows(useSession().user.role, 'operator');
}
