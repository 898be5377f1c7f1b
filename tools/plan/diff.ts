// The plan diff, split by concern: the replacement rules table (diff/rules.ts), the diffing
// (diff/diff.ts) and the Markdown report (diff/markdown.ts). Re-exported here so imports keep working.
export * from "./diff/rules";
export * from "./diff/diff";
export * from "./diff/markdown";
