// npm run vm:archive -- --dir <app folder> --out <file.tar.gz>
// Builds a VM app's release archive reproducibly and prints its sha256: the value for
// apps.<app>.vm.artifact.sha256, and the reference CI records test evidence under
// (npm run evidence:junit -- --image archive/<app>@sha256:<sha256>). Exit 0 built, 1 failed, 2 usage.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../plan/stackConfig";
import { buildArchive } from "./archive";

const USAGE = "npm run vm:archive -- --dir <app folder> --out <file.tar.gz>";

export async function cli(argv: string[]): Promise<number> {
    const { values } = parseArgs({ args: argv, options: { dir: { type: "string" }, out: { type: "string" } }, strict: true });
    if (!values.dir) throw new UsageError("missing --dir");
    if (!values.out) throw new UsageError("missing --out");
    if (!fs.statSync(values.dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--dir: no folder ${values.dir}`);
    if (!values.out.endsWith(".tar.gz")) throw new UsageError(`--out: expected a .tar.gz file name, got ${values.out}`);
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    const archive = await buildArchive(values.dir, values.out);
    console.log(`${archive.sha256}  ${values.out}`);
    return 0;
}

if (require.main === module)
    cli(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
            console.error(`error: ${(e as Error).message}`);
            if (usage) console.error(`usage: ${USAGE}`);
            process.exit(usage ? 2 : 1);
        },
    );
