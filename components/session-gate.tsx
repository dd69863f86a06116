"use client";
// Access control in the browser: when the server requires API tokens, the dashboard asks for one
// once and exchanges it for a server-side session (POST /api/v1/session), kept in an http-only
// cookie that holds a random session id, never the token; the APIs and socket.io then accept the
// cookie. "Sign out" ends the session on the server. Without access control this shows nothing.
import { useEffect, useId, useState, type ReactNode } from "react";
import { buttonPrimary, fieldError, input, label } from "./experiment/ui";

interface Session {
  authRequired: boolean;
  signedIn: boolean;
  role: string | null;
}

// One question per page load, shared by the gate and the sign-out button.
let asked: Promise<Session> | null = null;
function loadSession(): Promise<Session> {
  asked ??= fetch("/api/v1/session", { credentials: "same-origin" }).then((r) => {
    if (!r.ok) throw new Error(`the server answered ${r.status}`);
    return r.json() as Promise<Session>;
  });
  // A failed question is asked again (the server may be restarting).
  asked.catch(() => (asked = null));
  return asked;
}

export function SessionGate({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () =>
      loadSession()
        .then((s) => {
          setFailure(null);
          setSession(s);
        })
        .catch((e: Error) => {
          setFailure(e.message);
          timer = setTimeout(ask, 3_000); // until the server answers
        });
    void ask();
    return () => clearTimeout(timer);
  }, []);
  if (failure) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        Could not reach the server: {failure}. Trying again every few seconds…
      </p>
    );
  }
  // While the session is checked: a placeholder rather than a blank page.
  if (!session) return <div role="status" aria-label="Loading" className="h-8 w-64 max-w-full animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-900" />;
  if (session.authRequired && !session.signedIn) return <SignIn />;
  return <>{children}</>;
}

function SignIn() {
  const id = useId();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setPending(true);
    try {
      const response = await fetch("/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `sign-in failed (${response.status})`);
        return;
      }
      // A fresh page: the socket connects again, now with the session cookie.
      window.location.reload();
    } finally {
      setPending(false);
    }
  };
  return (
    <form onSubmit={submit} className="mx-auto max-w-md space-y-4 rounded-lg border border-zinc-200 p-6 dark:border-zinc-800" aria-label="Sign in">
      <h1 className="text-xl font-semibold tracking-tight">Sign in</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        This server requires an API token. Paste one (the admin token printed at first start, or one made with{" "}
        <code className="font-mono">lineage token create</code>). The browser keeps only a session, which &ldquo;Sign out&rdquo; ends.
      </p>
      <div>
        <label htmlFor={`${id}-token`} className={label}>
          API token
        </label>
        <input
          id={`${id}-token`}
          type="password"
          autoComplete="current-password"
          className={`${input} mt-1 font-mono`}
          value={token}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => setToken(e.target.value)}
        />
        {error && (
          <p id={`${id}-error`} role="alert" className={fieldError}>
            {error}
          </p>
        )}
      </div>
      <button type="submit" className={buttonPrimary} disabled={pending || token.trim() === ""}>
        Sign in
      </button>
    </form>
  );
}

/** Ends the browser's session on the server; shown only to a signed-in browser on a server that requires tokens. */
export function SignOutButton({ className }: { className?: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    loadSession()
      .then(setSession)
      .catch(() => setSession(null));
  }, []);
  if (!session?.authRequired || !session.signedIn) return null;
  const signOut = async () => {
    setPending(true);
    try {
      await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin" });
    } finally {
      // A fresh page: the sign-in form, and a socket without the ended session.
      window.location.assign("/");
    }
  };
  return (
    <button type="button" className={className} disabled={pending} onClick={() => void signOut()}>
      Sign out
    </button>
  );
}
