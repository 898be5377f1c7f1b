// The JavaScript the smoke-test Job runs: runner.ts compiled by the program itself at `pulumi preview`/`up`
// time (standalone.ts), so the shipped script is always the runner in this checkout (no build step, no
// image to push), and the ConfigMap's content (hence the Job's name hash) changes exactly when the runner
// (or the pinned compiler) changes.
import * as path from "node:path";
import { standaloneModule } from "../standalone";

export const RUNNER_SOURCE = path.join(__dirname, "runner.ts");

/** The runner as CommonJS JavaScript for Node 20 (the runner image's major version). */
export function runnerScript(): string {
    return `// Generated from components/validation/runner/runner.ts by Launchpad; do not edit.\n${standaloneModule(RUNNER_SOURCE)}`;
}
