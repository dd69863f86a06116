// Class names shared by the dashboard's controls.
const focus = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600";

export const button = `inline-flex items-center rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800 ${focus}`;
export const buttonPrimary = `inline-flex items-center rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white shadow-xs hover:bg-emerald-800 disabled:opacity-50 dark:bg-emerald-500 dark:text-zinc-950 dark:hover:bg-emerald-400 ${focus}`;
export const input = `block w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 aria-invalid:border-red-500 ${focus}`;
export const label = "block text-xs font-medium text-zinc-600 dark:text-zinc-400";
export const fieldError = "mt-1 text-xs text-red-700 dark:text-red-400";
export const link = `rounded text-emerald-700 underline-offset-2 hover:underline dark:text-emerald-400 ${focus}`;
export const sectionHeading = "text-lg font-semibold tracking-tight";
export const toggle = `rounded-md border px-2 py-1 text-xs font-medium aria-pressed:border-emerald-600 aria-pressed:bg-emerald-50 aria-pressed:text-emerald-800 border-zinc-300 text-zinc-700 hover:bg-zinc-50 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-pressed:bg-emerald-500/10 dark:aria-pressed:text-emerald-300 ${focus}`;
