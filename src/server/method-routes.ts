import http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

/**
 * Methods no route can have: Node.js hands a CONNECT request to the server's `connect` event, never to a
 * request handler (with no listener, the connection is closed).
 */
const UNROUTABLE = new Set(['CONNECT']);

/**
 * Makes every method Node.js parses (but CONNECT) one that routes of `app` may have, for {@link MethodRoutes}
 * to answer 405 with: fastify routes only GET, HEAD, TRACE, DELETE, OPTIONS, PATCH, PUT, POST and QUERY unless
 * told, and answers another (PROPFIND, MKCOL, LOCK...) 404, as if the path did not exist. The methods added are
 * taken without a body (one sent is not parsed). Call it on the root instance before routes are registered;
 * it changes the whole app, so the plugin leaves it to its host (`serve` calls it).
 */
export function routeEveryMethod(app: FastifyInstance): void {
  for (const method of http.METHODS) {
    if (!UNROUTABLE.has(method) && !app.supportedMethods.includes(method)) app.addHttpMethod(method);
  }
}

/** A route's path with its parameters unnamed (`/entities/:`), so that two spellings of one path are one. */
function shapeOf(url: string): string {
  return url.replace(/:[^/]+/g, ':');
}

/**
 * The methods of each path of the API, and answers for the others. A path has the methods its routes were
 * registered with; another method on it (any the app routes: TRACE and QUERY by default, and those
 * {@link routeEveryMethod} adds) is a 405 with `Allow` (fastify answers 404, as if the path did not
 * exist), and `OPTIONS` is a 204 with `Allow`. Both need no token: which methods a path has is in the public
 * OpenAPI document, and a path pattern says nothing of which entities exist. There is no CORS: `OPTIONS`
 * carries no `Access-Control-*` header, so a browser on another origin is refused as before.
 *
 * Made before the routes are registered ({@link MethodRoutes.follow}), then {@link MethodRoutes.answerOthers}
 * once they all are.
 */
export class MethodRoutes {
  /** By path shape: the path as registered (prefix included) and its methods. */
  private readonly byShape = new Map<string, { readonly url: string; readonly methods: Set<string> }>();
  /** `METHOD url` of the routes this added: they need no token. */
  private readonly added = new Set<string>();
  /** True while this registers its own routes (not paths of the API). */
  private adding = false;

  private constructor() {}

  /** Follows the routes registered in `app`'s context (and those it registers) from now on. */
  static follow(app: FastifyInstance): MethodRoutes {
    const routes = new MethodRoutes();
    app.addHook('onRoute', (route) => routes.seen(route));
    return routes;
  }

  /** True for a route this added (405 or OPTIONS), which is answered without a token. */
  answers(method: string, url: string | undefined): boolean {
    return this.added.has(`${method} ${url ?? ''}`);
  }

  /**
   * Registers on `app` (the context whose routes were followed, under its prefix) the methods each path seen
   * lacks: 405 with `Allow`, or 204 with `Allow` for OPTIONS. Hidden from the OpenAPI document.
   */
  answerOthers(app: FastifyInstance): void {
    for (const { url, methods } of [...this.byShape.values()]) {
      if (!url.startsWith(app.prefix)) continue;
      const allow = [...new Set([...methods, 'OPTIONS'])].sort();
      const allowHeader = allow.join(', ');
      // every method the app routes, the host's additions included (see routeEveryMethod)
      const missing = app.supportedMethods.filter((method) => !UNROUTABLE.has(method) && !methods.has(method)).sort();
      for (const method of missing) this.added.add(`${method} ${url}`);
      if (missing.length === 0) continue;
      const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        void reply.header('allow', allowHeader);
        if (request.method === 'OPTIONS') return reply.code(204).send();
        const path = request.url.split('?')[0] ?? request.url;
        return reply.code(405).send({ error: `${request.method} is not a method of ${path}; it has ${allowHeader}`, allow });
      };
      this.adding = true;
      try {
        app.route({
          method: [...missing],
          url: url.slice(app.prefix.length),
          exposeHeadRoute: false,
          schema: { hide: true },
          // answered before a body is read: fastify would refuse a QUERY without a Content-Type, or a body of a
          // type no parser takes, with a 400 or 415 before the handler ran
          onRequest: answer,
          handler: answer,
        });
      } finally {
        this.adding = false;
      }
    }
  }

  private seen(route: RouteOptions): void {
    if (this.adding) return;
    const url = route.url;
    const shape = shapeOf(url);
    let entry = this.byShape.get(shape);
    if (entry === undefined) this.byShape.set(shape, (entry = { url, methods: new Set() }));
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
  }
}
