"use client";
// Access control in the browser: when the server requires API tokens, the dashboard asks for one
// once and exchanges it for an http-only session cookie (POST /api/v1/session); the APIs and
// socket.io then accept the cookie. On a server without access control this shows nothing.
import { useEffect, useId, useState, type ReactNode } from "react";
import { buttonPrimary, fieldError, input, label } from "./experiment/ui";

interface Session {
  authRequired: boolean;
  signedIn: boolean;
  role: string | null;
}

export function SessionGate({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    fetch("/api/v1/session", { credentials: "same-origin" })
      .then((r) => r.json() as Promise<Session>)
      .then(setSession)
      .catch((e: Error) => setFailure(e.message));
  }, []);
  if (failure) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        Could not reach the server: {failure}
      </p>
    );
  }
  if (!session) return null;
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
        <code className="font-mono">lineage token create</code>); it is kept in an http-only cookie.
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
