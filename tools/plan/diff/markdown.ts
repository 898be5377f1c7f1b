// The plan diff as the Markdown report a reviewer reads (pull-request comment, diff.md).
import { SECRET_CHANGED, UNKNOWN } from "../masks";
import { isEmpty, isObject, MASK } from "./diff";
import type { Op, PlanDiff, PropertyChange } from "./diff";

/** One policy result, in the shapes the policy report may use. */
interface PolicyResult {
    policy: string;
    level: string;
    message: string;
    resource?: string;
}

/**
 * Reads `policy.json` leniently: `{violations: [...]}` (the plan's own report, tools/plan/policies.ts),
 * `{results: [...]}` or a list. The plan's `policies` key lists the enabled policies, not results.
 */
export function policyResults(report: unknown): PolicyResult[] | undefined {
    const list = Array.isArray(report) ? report : isObject(report) ? ((report.violations ?? report.results) as unknown) : undefined;
    if (!Array.isArray(list)) return undefined;
    return list.filter(isObject).map((v) => ({
        policy: String(v.policyName ?? v.policy ?? v.name ?? "?"),
        level: String(v.enforcementLevel ?? v.level ?? v.severity ?? "advisory"),
        message: String(v.message ?? v.description ?? ""),
        ...(v.urn || v.resource
            ? {
                  resource: String(v.urn ?? v.resource)
                      .split("::")
                      .pop(),
              }
            : {}),
    }));
}

const SYMBOL: Record<Op, string> = { create: "+", update: "~", replace: "+-", delete: "-", retain: "-" };
/** How each operation reads in the report. */
const VERB: Record<Op, string> = {
    create: "create",
    update: "update",
    replace: "replace",
    delete: "delete",
    retain: "removed from the stack, kept: retainOnDelete",
};
const MAX_VALUE = 120;
/** Characters shown before the first difference of two long values. */
const CONTEXT = 30;

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * The part of `s` a reader needs, at most MAX_VALUE characters: from CONTEXT characters before `from`
 * (where it first differs from the other value), with `…` where text is left out.
 */
function excerpt(s: string, from: number): string {
    if (s.length <= MAX_VALUE) return s;
    const start = from > CONTEXT ? Math.min(from - CONTEXT, s.length - (MAX_VALUE - 1)) : 0;
    const lead = start > 0 ? "…" : "";
    const room = MAX_VALUE - lead.length;
    const body = s.length - start > room ? `${s.slice(start, start + room - 1)}…` : s.slice(start);
    return lead + body;
}

/** One table cell; `other` is the value it is compared with, so a long value shows where they differ. */
function cell(v: unknown, other?: unknown): string {
    if (v === undefined) return "—";
    const s = text(v);
    if (s === UNKNOWN) return `_${s}_`;
    let from = 0;
    if (other !== undefined) {
        const o = text(other);
        while (from < s.length && from < o.length && s[from] === o[from]) from++;
    }
    // A Markdown table row is one line: line breaks show as ⏎.
    const shown = excerpt(s, from).replace(/\r?\n/g, "⏎");
    return `\`${shown.replace(/`/g, "ˋ").replace(/\|/g, "\\|")}\``;
}

/** What applying a changed secret at `path` (a config key path) does beyond its own resources, or "". */
function secretHint(path: string): string {
    if (/:apps\.[^.]+\.vm\.secretEnv\./.test(path))
        return "A VM app's `vm.secretEnv`: the playbook runs again on its hosts and restarts the app.";
    if (/:apps\.[^.]+\.secretEnv\./.test(path))
        return (
            "A `secretEnv` value updates the Secret `<app>-env`, which running pods read only when they start: restart them " +
            "(`kubectl rollout restart deployment/<name> -n <namespace>`, or `kubectl argo rollouts restart <app> -n <namespace>` for an app Argo Rollouts releases), or let the next release do it."
        );
    return "";
}

/** The counts line of a diff (the PR comment's summary table reads it back: tools/pipeline/planAll.ts). */
export function summaryLine(d: Pick<PlanDiff, "counts">): string {
    const c = d.counts;
    const kept = c.retain > 0 ? `, ${c.retain} removed from the stack but kept (retainOnDelete)` : "";
    return `**${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete${kept}** (${c.same} unchanged)`;
}

function table(rows: PropertyChange[], withReason: boolean): string[] {
    const lines = withReason
        ? ["| Property | Old | New | Replaces because |", "|---|---|---|---|"]
        : ["| Property | Old | New |", "|---|---|---|"];
    for (const r of rows) {
        const base = `| \`${r.path}\` | ${cell(r.old, r.new)} | ${cell(r.new, r.old)} |`;
        lines.push(withReason ? `${base} ${r.replaces ?? ""} |` : base);
    }
    return lines;
}

/** A policy result's identity across two plans: the same policy, resource and message. */
const resultKey = (r: PolicyResult) => JSON.stringify([r.policy, r.resource ?? "", r.message]);

const RESULTS_HEAD = ["| Level | Policy | Resource | Message |", "|---|---|---|---|"];
const resultRow = (r: PolicyResult) =>
    `| ${r.level} | \`${r.policy}\` | ${r.resource ? `\`${r.resource}\`` : ""} | ${r.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`;

/**
 * The Policies section: the head's results, each marked new or unchanged when the base's report is known
 * (`basePolicy`), then what the base reported that the head no longer does.
 */
function policySection(d: PlanDiff, policy: unknown, basePolicy: unknown): string[] {
    const results = policyResults(policy);
    const out = ["#### Policies", ""];
    if (!results) return [...out, "```json", JSON.stringify(policy, null, 2), "```", ""];
    const before = basePolicy === undefined ? undefined : policyResults(basePolicy);
    if (results.length === 0) out.push("all policies pass", "");
    else if (!before) out.push(...RESULTS_HEAD, ...results.map(resultRow), "");
    else {
        const seen = new Set(before.map(resultKey));
        out.push(
            `Against the base's results (\`${d.base}\`):`,
            "",
            "| Change | Level | Policy | Resource | Message |",
            "|---|---|---|---|---|",
        );
        for (const r of results) out.push(`| ${seen.has(resultKey(r)) ? "unchanged" : "**new**"} ${resultRow(r)}`);
        out.push("");
    }
    if (before) {
        const now = new Set(results.map(resultKey));
        const gone = before.filter((r) => !now.has(resultKey(r)));
        if (gone.length > 0) out.push(`No longer reported (on the base, \`${d.base}\`):`, "", ...RESULTS_HEAD, ...gone.map(resultRow), "");
    }
    return out;
}

/**
 * The reviewer's report. `stack` names the stack; `policy` is the parsed `policy.json`, when the plan
 * wrote one; `basePolicy` the base plan's, when it is known (each result is then marked new or not, and
 * what the base reported that this plan does not is listed).
 */
export function renderMarkdown(stack: string, d: PlanDiff, policy?: unknown, basePolicy?: unknown): string {
    const out: string[] = [`### Plan diff: \`${stack}\``, "", `\`${d.base}\` → \`${d.head}\``, ""];
    if (isEmpty(d)) {
        out.push(`**no changes** (${d.counts.same} resources unchanged)`, "");
    } else {
        out.push(summaryLine(d), "");
    }
    // The plan never decrypts: what the program builds from a secret is [secret] on both sides.
    const secrets = d.config.filter((r) => r.old === MASK || r.new === MASK).map((r) => r.path);
    if (secrets.length > 0)
        out.push(
            `${SECRET_CHANGED} (${secrets.map((p) => `\`${p}\``).join(", ")}): what is built from it shows \`${MASK}\` on both sides, so this diff cannot list it; ` +
                `\`pulumi up\` updates it.${[...new Set(secrets.map(secretHint).filter((h) => h !== ""))].map((h) => ` ${h}`).join("")}`,
            "",
        );
    if (!isEmpty(d)) {
        for (const g of d.groups) {
            out.push(`#### ${g.title}`, "");
            for (const r of g.resources) {
                out.push(`- \`${SYMBOL[r.op]}\` **${VERB[r.op]}** \`${r.type}\` **${r.name}**`);
                if (r.changes.length > 0) {
                    out.push("");
                    const withReason = r.op === "replace";
                    out.push(...table(r.changes, withReason).map((l) => `  ${l}`));
                    out.push("");
                }
            }
            out.push("");
        }
    }
    if (d.config.length > 0) out.push("#### Configuration", "", ...table(d.config, false), "");
    if (d.outputs.length > 0) out.push("#### Stack outputs", "", ...table(d.outputs, false), "");
    if (policy !== undefined) out.push(...policySection(d, policy, basePolicy));
    return (
        out
            .join("\n")
            .replace(/\n{3,}/g, "\n\n")
            .trimEnd() + "\n"
    );
}
