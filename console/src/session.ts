/**
 * The signed-in token, kept for this browser tab only (sessionStorage: gone when the tab closes, never sent
 * anywhere but in the Authorization header). The role read from it only picks the view to show: every service
 * checks the token itself.
 */
const KEY = 'order-console-token';

export interface Session {
  token: string;
  subject: string;
  role: 'operator' | 'customer' | 'unknown';
  expiresAt: Date | null;
}

function decode(token: string): Session | null {
  const [, payload] = token.split('.');
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: string; roles?: unknown; exp?: number };
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    return {
      token,
      subject: claims.sub ?? '',
      role: roles.includes('operator') ? 'operator' : roles.includes('customer') ? 'customer' : 'unknown',
      expiresAt: claims.exp ? new Date(claims.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  const session = token ? decode(token) : null;
  if (session?.expiresAt && session.expiresAt.getTime() <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return session;
}

/** Keeps a token that reads as a JWT; null (and nothing kept) for anything else. */
export function signIn(token: string): Session | null {
  const session = decode(token.trim());
  if (session) sessionStorage.setItem(KEY, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
