// The second server of the browser tests: access control on, with a known first admin token.
// LINEAGE_E2E_PORT moves both servers (PORT and PORT + 1), so two checkouts can run their browser tests at once.
export const AUTH_PORT = Number(process.env.LINEAGE_E2E_PORT ?? 3107) + 1;
export const AUTH_URL = `http://127.0.0.1:${AUTH_PORT}`;
export const AUTH_ADMIN_TOKEN = "lin_e2e_admin_0123456789abcdefghijklmnop";
