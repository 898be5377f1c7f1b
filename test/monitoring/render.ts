// Renders what the program generates into the files Prometheus's own tools read: one rules file per
// app and stack, from the PrometheusRule objects recorded in a whole-program run.
import * as fs from "node:fs";
import * as path from "node:path";
import { rulesFile, RuleGroup } from "../../components/monitoring";
import { ProgramRun } from "../../tools/plan/recorder";
import { ofType, runFixture } from "../harness";

export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const MONITORING_DIR = __dirname;
/** Reviewed copies of the generated rules (`UPDATE_GOLDEN=1` rewrites them); the promtool tests read them. */
export const GOLDEN_DIR = path.join(__dirname, "golden");
/** `promtool test rules` files; their `rule_files` point into ../golden. */
export const PROMTOOL_DIR = path.join(__dirname, "promtool");
export const STACKS = ["staging", "prod"] as const;

/** app -> rules file text, from a run's PrometheusRule objects `<app>-alerts`. */
export function renderedRules(run: ProgramRun): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of ofType(run, PROMETHEUS_RULE)) {
        const spec = r.inputs.spec as { groups: RuleGroup[] };
        out[r.name.replace(/-alerts$/, "")] = rulesFile(spec.groups);
    }
    return out;
}

/** Every stack's rendered rules: stack -> app -> text. */
export async function renderAllStacks(): Promise<Record<string, Record<string, string>>> {
    const all: Record<string, Record<string, string>> = {};
    for (const stack of STACKS) all[stack] = renderedRules(await runFixture(stack));
    return all;
}

/** Writes `<dir>/<stack>/<app>.rules.yaml` for every rendered file; returns the paths. */
export function writeRules(dir: string, all: Record<string, Record<string, string>>): string[] {
    const files: string[] = [];
    for (const [stack, apps] of Object.entries(all)) {
        fs.mkdirSync(path.join(dir, stack), { recursive: true });
        for (const [app, text] of Object.entries(apps)) {
            const file = path.join(dir, stack, `${app}.rules.yaml`);
            fs.writeFileSync(file, text);
            files.push(file);
        }
    }
    return files.sort();
}
