// What every API input must satisfy before its schema reads it, checked once for the whole input
// (the worker HTTP API's path, query and body; tRPC's raw input): every string and every key is
// text PostgreSQL can store, and no key is `__proto__`.
//
// Checked here rather than by each schema because strings hide everywhere (record keys, results,
// choice values, error text), and because a string PostgreSQL refuses must never reach a write:
// calls are group-committed (server/scheduler/groupCommit.ts), and one refused row fails the whole
// shared transaction, after which every call in it runs again alone.
import { LineageError } from "../domain/errors";

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as PostgreSQL text or jsonb, or null when it can. */
export function unstorableText(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000), which cannot be stored";
  const lone = LONE_SURROGATE.exec(text)?.[0];
  if (lone !== undefined) return `is not valid Unicode: it holds a lone surrogate (U+${lone.charCodeAt(0).toString(16).toUpperCase()})`;
  return null;
}

const STORABLE = "text without U+0000 and without lone surrogates";

interface Node {
  value: unknown;
  key: string | null;
  parent: Node | null;
}

/**
 * The dotted path of a node, built only for an error (a path per node would make deep input cost
 * quadratic time). Printable even when a key is the problem, and short whatever the depth or the
 * key's length, so that the answer never grows with the input.
 */
function pathOf(node: Node): string {
  const keys: string[] = [];
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) {
    const key = n.key.length > 64 ? `${n.key.slice(0, 63)}…` : n.key;
    // eslint-disable-next-line no-control-regex -- control characters are what is escaped here
    keys.push(key.replace(/[\u0000-\u001f\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  }
  keys.reverse();
  if (keys.length > 12) keys.splice(6, keys.length - 10, `…(${keys.length - 10} more levels)…`);
  return keys.join(".") || "(body)";
}

function refuse(node: Node, message: string, accepted: string): never {
  const field = pathOf(node);
  throw new LineageError("invalid_input", `${field}: ${message}`, [{ field, message, accepted }]);
}

/**
 * Throws `invalid_input` naming the first field whose text cannot be stored or whose key is
 * `__proto__`. Walks the value with an explicit stack, so any depth is safe (the schemas cap
 * depth, at server/pbt/config.ts's jsonValue).
 */
export function checkRawInput(input: unknown): void {
  const stack: Node[] = [{ value: input, key: null, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const value = node.value;
    if (typeof value === "string") {
      const problem = unstorableText(value);
      if (problem) refuse(node, problem, STORABLE);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: node });
      continue;
    }
    const children = Object.keys(value).map((key): Node => ({ value: (value as Record<string, unknown>)[key], key, parent: node }));
    for (const child of children) {
      // JSON.parse makes `__proto__` an own key, but copying it into a plain object sets the
      // prototype instead: the field would vanish without a word.
      if (child.key === "__proto__") refuse(child, "__proto__ is not accepted as a key", "any other key");
      const problem = unstorableText(child.key!);
      if (problem) refuse(child, `this key ${problem}`, STORABLE);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}
