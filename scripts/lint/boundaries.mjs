// An ESLint rule for the folders' rule of imports (the table is in eslint.config.mjs, the prose in
// the README's "Layout"). Each import's path is resolved against the importing file (relative
// paths and the "@/" alias alike), so "../scheduler" and "@/server/scheduler" are the same folder.
// Edit the table, not this file, to change who may import what.
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** `file` as a path from the repository's root, with forward slashes. */
function fromRoot(file) {
  return path.relative(ROOT, file).split(path.sep).join("/");
}

/** Whether `target` (a path from the root) is `folder` or inside it. */
function within(target, folder) {
  return target === folder || target.startsWith(`${folder}/`);
}

/** The project path an import names, or null for a package (or a Node built-in). */
function resolve(source, file) {
  if (source.startsWith("@/")) return source.slice(2);
  if (source.startsWith("./") || source.startsWith("../")) return fromRoot(path.resolve(path.dirname(file), source));
  return null;
}

/** Whether the import brings in types only (erased at compile time, so no runtime dependency). */
function typeOnly(node) {
  if (node.type === "TSImportType") return true;
  if (node.importKind === "type" || node.exportKind === "type") return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === "type" || s.exportKind === "type");
}

export const boundaries = {
  meta: {
    type: "problem",
    docs: { description: "Each folder imports only what its rule of imports allows (README: Layout)" },
    schema: [
      {
        type: "array",
        items: {
          type: "object",
          properties: {
            /** Folders (paths from the root) the rule applies to. */
            from: { type: "array", items: { type: "string" } },
            /** Folders inside `from` the rule does not apply to. */
            except: { type: "array", items: { type: "string" } },
            /** Project folders these may import; any other project path is refused. */
            allow: { type: "array", items: { type: "string" } },
            /** Project folders these may not import (when `allow` is not given). */
            deny: { type: "array", items: { type: "string" } },
            /** Project folders these may import types from (`import type`), though not code. */
            allowTypes: { type: "array", items: { type: "string" } },
            /** Packages these may import; unset: any package. Node built-ins are "node:*". */
            packages: { type: "array", items: { type: "string" } },
            /** Why: shown with the error. */
            because: { type: "string" },
          },
          required: ["from", "because"],
          additionalProperties: false,
        },
      },
    ],
  },
  create(context) {
    const file = fromRoot(context.filename);
    const rules = (context.options[0] ?? []).filter(
      (r) => r.from.some((folder) => within(file, folder)) && !(r.except ?? []).some((folder) => within(file, folder)),
    );
    if (rules.length === 0) return {};

    function check(node, source) {
      if (typeof source !== "string") return;
      const target = resolve(source, context.filename);
      for (const rule of rules) {
        if (target === null) {
          if (!rule.packages) continue;
          const name = source.startsWith("@") ? source.split("/").slice(0, 2).join("/") : source.split("/")[0];
          const allowed = rule.packages.some((p) => p === name || (p === "node:*" && name.startsWith("node:")));
          if (!allowed) context.report({ node, message: `${file} may not import the package "${source}": ${rule.because}` });
          continue;
        }
        const allowedHere = rule.allow ? rule.allow.some((f) => within(target, f)) : !(rule.deny ?? []).some((f) => within(target, f));
        if (allowedHere) continue;
        if (typeOnly(node) && (rule.allowTypes ?? []).some((f) => within(target, f))) continue;
        context.report({ node, message: `${file} may not import ${target}: ${rule.because}` });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
      TSImportType: (node) => {
        const literal = node.argument?.literal ?? node.argument;
        if (literal?.type === "Literal") check(node, literal.value);
      },
    };
  },
};

export default { rules: { boundaries } };
