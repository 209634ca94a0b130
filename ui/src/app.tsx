import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiFailure, onTokenRefused, tokenStore } from './api.js';
import { LiveFeed } from './live.js';
import { href, useRoute } from './route.js';
import { can, probeSession, type Session } from './session.js';
import { AuditView } from './views/audit-view.js';
import { DecisionView } from './views/decision-view.js';
import { DecisionsView } from './views/decisions-view.js';
import { EntityView } from './views/entity-view.js';
import { LoginView } from './views/login-view.js';
import { ReplayView } from './views/replay-view.js';
import { TreeView } from './views/tree-view.js';

type Boot = { kind: 'loading' } | { kind: 'login'; message?: string } | { kind: 'ready'; session: Session };

/** The console: log in, then the tree, entities, decisions, audit and replay views under one header. */
export function App() {
  const [boot, setBoot] = useState<Boot>({ kind: 'loading' });
  const route = useRoute();

  const login = async (token: string | null) => {
    if (token) tokenStore.set(token);
    try {
      setBoot({ kind: 'ready', session: await probeSession(token !== null) });
    } catch (error) {
      tokenStore.clear();
      const refused = error instanceof ApiFailure && error.status === 401;
      setBoot({ kind: 'login', ...(token === null && refused ? {} : { message: refused ? 'That token was refused.' : `The API did not answer: ${(error as Error).message}` }) });
    }
  };
  useEffect(() => void login(tokenStore.get()), []);
  // a token refused after the login (expired, revoked): back to the login, saying so; a refusal while
  // logging in is the login's own to tell
  useEffect(() => onTokenRefused((message) => setBoot((b) => {
    if (b.kind !== 'ready') return b;
    tokenStore.clear();
    return { kind: 'login', message: `The API refused the token (${message}). Log in again.` };
  })), []);

  if (boot.kind === 'loading') return <main id="main" class="loading" aria-busy="true">Loading…</main>;
  if (boot.kind === 'login') return <LoginView message={boot.message} onToken={(t) => void login(t)} />;
  return <Console session={boot.session} route={route} onLogout={() => (tokenStore.clear(), setBoot({ kind: 'login', message: 'Logged out.' }))} />;
}

function Console({ session, route, onLogout }: { session: Session; route: ReturnType<typeof useRoute>; onLogout: () => void }) {
  const live = useMemo(() => new LiveFeed(session.roots), [session.roots]);
  useEffect(() => {
    void live.start();
    return () => live.pause();
  }, [live]);
  // a new view starts at its top, and focus moves to it so that a screen reader announces it; a change of
  // filters (the query) keeps both
  const first = useRef(true);
  useEffect(() => {
    if (first.current) return void (first.current = false);
    window.scrollTo(0, 0);
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.view, route.arg]);
  const nav = [
    { view: 'tree', label: 'Tree' },
    { view: 'decisions', label: 'Decisions' },
    ...(can(session, 'operator') ? [{ view: 'audit', label: 'Audit' }] : []),
    { view: 'replay', label: 'Replay' },
  ];
  const current = route.view === 'entity' ? 'tree' : route.view === 'decision' ? 'decisions' : route.view;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
      <header class="top">
        <span class="brand">homeostat</span>
        <nav aria-label="Views">
          {nav.map((n) => <a key={n.view} href={href(n.view)} aria-current={current === n.view ? 'page' : undefined}>{n.label}</a>)}
        </nav>
        <span class="who" data-testid="who">
          <span class={`badge role-${session.role}`}>{session.role}</span>
          <span class="muted"> of {session.roots.length > 0 ? session.roots.join(', ') : 'no entity'}{session.tenant === undefined ? '' : ` (tenant ${session.tenant})`}</span>
          {!session.open && <button type="button" class="link" onClick={onLogout}>Log out</button>}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'tree' && <TreeView session={session} live={live} />}
        {route.view === 'entity' && <EntityView key={route.arg} id={route.arg} session={session} live={live} />}
        {route.view === 'decisions' && <DecisionsView live={live} route={route} roots={session.roots} />}
        {route.view === 'decision' && <DecisionView key={route.arg} id={route.arg} session={session} live={live} />}
        {route.view === 'audit' && can(session, 'operator') && <AuditView />}
        {route.view === 'replay' && <ReplayView />}
      </main>
    </>
  );
}
