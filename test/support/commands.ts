// A Launchpad command run as `npm run <script>` runs it: Node with ts-node (transpile-only), the script
// resolved against the working folder (the project by default; a test's fresh clone runs its own code).
import { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns, spawnSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/stackConfig";

export function runCommand(
    script: string,
    args: string[],
    opts: Omit<SpawnSyncOptionsWithStringEncoding, "encoding"> = {},
): SpawnSyncReturns<string> {
    const cwd = String(opts.cwd ?? PROJECT_DIR);
    return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.resolve(cwd, script), ...args], {
        ...opts,
        cwd,
        encoding: "utf8",
    });
}
