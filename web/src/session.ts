// The signed-in user's session, shared with every page through context.

import { createContext } from "preact";
import { useContext } from "preact/hooks";

import type { Me } from "./types";

export interface Session {
  me: Me;
  /** Reloads /me (after the user changed something about themself). */
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in shell");
  return session;
}

export function isAdmin(me: Me): boolean {
  return me.user.role === "admin";
}
