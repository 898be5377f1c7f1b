// Runs many bad argument lists through the commands' own runner (tools/cli/run.ts `execute`, which each
// command's `main` calls) in one process, for badArgs.spec.ts. Preloaded with forbidPulumi.ts like the
// single-command processes, so a case that loads @pulumi/pulumi before refusing ends the whole run with
// exit 97, and the last `case <n>` line on stderr names it.
//   node -r ./tools/register.js -r ./test/cli/forbidPulumi.ts test/cli/refuseAll.ts <cases.json>
// cases.json: [[script, args], ...]; prints one JSON line: [{status, stdout, stderr}, ...].
import * as fs from "node:fs";
import * as path from "node:path";
import { execute } from "../../tools/cli/run";
import type { Command } from "../../tools/cli/run";

async function refuseAll(file: string) {
    const cases = JSON.parse(fs.readFileSync(file, "utf8")) as [string, string[]][];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const results: { status: number; stdout: string; stderr: string }[] = [];
    for (const [i, [script, args]] of cases.entries()) {
        err(`case ${i}: ${script} ${args.join(" ")}\n`);
        // The module `npm run <script>` starts; its command is the one export that has usage and check.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.resolve(script)) as Record<string, unknown>;
        const command = Object.values(mod).find((v): v is Command<unknown> => !!v && typeof v === "object" && "usage" in v && "check" in v);
        if (!command) throw new Error(`${script}: no command exported`);
        let stdout = "";
        let stderr = "";
        process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
        process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
        let status: number;
        try {
            status = await execute(command, args);
        } catch (e) {
            // What `main` does with a bug: print it (with its stack) and exit 1.
            stderr += `${(e as Error).stack}\n`;
            status = 1;
        } finally {
            process.stdout.write = out;
            process.stderr.write = err;
        }
        results.push({ status, stdout, stderr });
    }
    out(JSON.stringify(results) + "\n");
}

refuseAll(process.argv[2]).then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
