// Compiles runner.ts into the JavaScript the smoke-test Job runs. The program does this itself at
// `pulumi preview`/`up` time with the TypeScript compiler Pulumi's Node runtime already requires, so
// the shipped script is always the runner in this checkout (no build step, no image to push), and the
// ConfigMap's content (hence the Job's name hash) changes exactly when the runner changes.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const RUNNER_SOURCE = path.join(__dirname, "runner.ts");

let cached: string | undefined;

/** The runner as CommonJS JavaScript for Node 20 (the runner image's major version). */
export function runnerScript(): string {
    if (cached === undefined) {
        const source = fs.readFileSync(RUNNER_SOURCE, "utf8");
        const out = ts.transpileModule(source, {
            fileName: "runner.ts",
            reportDiagnostics: true,
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, removeComments: false, sourceMap: false },
        });
        if (out.diagnostics && out.diagnostics.length > 0) {
            const text = out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
            throw new Error(`programming error: the smoke runner does not compile: ${text}`);
        }
        cached = `// Generated from components/validation/runner/runner.ts by Launchpad; do not edit.\n${out.outputText}`;
    }
    return cached;
}
