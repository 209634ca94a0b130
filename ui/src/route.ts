import { useEffect, useState } from 'preact/hooks';

/** A parsed hash route: `#/entity/web?x=1` is `{ view: 'entity', arg: 'web', query }`. */
export interface Route {
  readonly view: string;
  readonly arg: string;
  readonly query: URLSearchParams;
}

/** Reads the location's hash as a route; the default view is the tree. */
export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const slash = path.indexOf('/');
  const view = (slash < 0 ? path : path.slice(0, slash)) || 'tree';
  const arg = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  return { view, arg, query: new URLSearchParams(search) };
}

/** The href of a route. */
export function href(view: string, arg?: string, query?: Record<string, string>): string {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString() : '';
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${q ? `?${q}` : ''}`;
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
