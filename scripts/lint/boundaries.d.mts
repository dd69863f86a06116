// Types for boundaries.mjs (plain JavaScript, since eslint.config.mjs loads it without a compiler).
import type { Rule } from "eslint";

export declare const boundaries: Rule.RuleModule;
declare const plugin: { rules: { boundaries: Rule.RuleModule } };
export default plugin;
