// npm run release -- <canary-step|promote|abort|switch|rollback> --stack <s> --app <a>
//                    [--weight <0-100>] [--slot blue|green] [--to <git ref>] [--message-file <f>]
// Edits Pulumi.<stack>.yaml in place (a committed config change; CI applies it with `pulumi up`).
// Exit codes: 0 changed, 2 the operation does not apply (nothing written).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "../plan/plan";
import { OPERATIONS, Operation, OperationError, appsOf, applyOperation } from "./releaseOps";

function main(argv: string[]): number {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            stack: { type: "string" },
            app: { type: "string" },
            weight: { type: "string" },
            slot: { type: "string" },
            to: { type: "string" },
            "message-file": { type: "string" },
        },
        strict: true,
    });
    const op = positionals[0] as Operation;
    if (!OPERATIONS.includes(op) || !values.stack || !values.app)
        throw new OperationError(
            `usage: npm run release -- <${OPERATIONS.join("|")}> --stack <name> --app <name> [--weight n] [--slot blue|green] [--to ref]`,
        );
    if (values.slot !== undefined && values.slot !== "blue" && values.slot !== "green")
        throw new OperationError(`--slot: expected blue or green, got ${values.slot}`);
    const file = path.join(PROJECT_DIR, `Pulumi.${values.stack}.yaml`);
    if (!fs.existsSync(file)) throw new OperationError(`no stack '${values.stack}' (${file})`);
    let previous: unknown;
    if (op === "rollback") {
        const ref = values.to ?? "HEAD~1";
        const old = execFileSync("git", ["show", `${ref}:Pulumi.${values.stack}.yaml`], { cwd: PROJECT_DIR, encoding: "utf8" });
        previous = appsOf(old)[values.app]?.strategy;
    }
    const result = applyOperation(fs.readFileSync(file, "utf8"), values.stack, {
        op,
        app: values.app,
        weight: values.weight === undefined ? undefined : Number(values.weight),
        slot: values.slot as "blue" | "green" | undefined,
        previous,
    });
    fs.writeFileSync(file, result.text);
    if (values["message-file"]) fs.writeFileSync(values["message-file"], `${result.summary}\n`);
    console.log(result.summary);
    return 0;
}

try {
    process.exit(main(process.argv.slice(2)));
} catch (e) {
    if (e instanceof OperationError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        console.error(`error: ${(e as Error).message}`);
        process.exit(2);
    }
    throw e;
}
