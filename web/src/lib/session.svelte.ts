// Who is signed in. `me` is null when signed out; any 401 from the API sets it so.
import { api, onUnauthorized, type Me } from './api';

export const session = $state<{ me: Me | null; checked: boolean }>({ me: null, checked: false });

/** The server ended the session (a 401, or the live connection's close code 4001). */
export function forgetSession(): void {
  session.me = null;
}

onUnauthorized(forgetSession);

/** Asks the server whether the session cookie is still good. */
export async function restoreSession(): Promise<void> {
  try {
    session.me = await api.me();
  } catch {
    session.me = null;
  } finally {
    session.checked = true;
  }
}

export async function signIn(login: string, password: string): Promise<void> {
  session.me = await api.login(login, password);
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // The session is forgotten here whatever the server said.
  }
  session.me = null;
}
