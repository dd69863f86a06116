// Access control for socket.io: the handshake is checked like an API request (Host, Origin,
// credentials), and a connection lives only as long as its credentials: a revoked token or an
// ended session cuts its sockets on every process (the bus carries "access" messages).
import type { Server, Socket } from "socket.io";
import { LineageError } from "../domain/errors";
import type { Bus } from "../realtime/bus";
import { checkHost, checkOrigin } from "./crossSite";
import { authenticate, authorize, credentialOf, type AuthSettings, type Credential } from "./request";
import type { Principal } from "./roles";

interface Admitted {
  principal: Principal;
  credential: Credential;
}

function admitted(socket: Socket): Admitted | undefined {
  return (socket.data as { access?: Admitted }).access;
}

export function guardSockets(io: Server, bus: Bus, auth: AuthSettings) {
  io.use((socket, next) => {
    const req = socket.request;
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    // A token in the handshake is what API clients send; it stands for an Authorization header.
    const headers = typeof token === "string" ? { ...req.headers, authorization: `Bearer ${token}` } : req.headers;
    (async () => {
      checkHost(req, auth);
      const principal = await authenticate({ headers }, auth);
      // A browser brings its cookie (or, without access control, nothing) to a socket opened by
      // any site: only this server's pages may open one. A token in the handshake is not ambient.
      if (principal.via !== "bearer") checkOrigin(req.headers, auth, "a socket.io connection");
      authorize(principal, "read", { headers });
      socket.data = { ...socket.data, access: { principal, credential: auth.enabled ? credentialOf({ headers }) : null } satisfies Admitted };
    })().then(
      () => next(),
      (error: unknown) => {
        if (!(error instanceof LineageError)) console.error("socket.io handshake:", error);
        const e = error instanceof LineageError ? error : new LineageError("internal", "could not check credentials");
        next(Object.assign(new Error(e.message), { data: { code: e.code } }));
      },
    );
  });

  function cut(socket: Socket) {
    socket.disconnect(true);
  }

  /** After messages may have been lost: checks every connection's credentials again. */
  async function recheckAll() {
    auth.verifier.forget();
    for (const socket of io.sockets.sockets.values()) {
      const access = admitted(socket);
      if (!access?.credential) continue;
      const found = await auth.verifier.verify(access.credential).catch(() => undefined);
      if (found === null) cut(socket);
    }
  }

  const unsubscribe = bus.subscribe((message) => {
    if (message.type !== "access" || !auth.enabled) return;
    if (message.tokenId === null && message.sessionId === null) {
      void recheckAll();
      return;
    }
    for (const socket of io.sockets.sockets.values()) {
      const principal = admitted(socket)?.principal;
      if (!principal) continue;
      if ((message.tokenId !== null && principal.tokenId === message.tokenId) || (message.sessionId !== null && principal.sessionId === message.sessionId)) {
        cut(socket);
      }
    }
  });
  return { close: unsubscribe };
}
