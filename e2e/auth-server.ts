// The second server of the browser tests: access control on, with a known first admin token.
export const AUTH_PORT = 3108;
export const AUTH_URL = `http://127.0.0.1:${AUTH_PORT}`;
export const AUTH_ADMIN_TOKEN = "lin_e2e_admin_0123456789abcdefghijklmnop";
