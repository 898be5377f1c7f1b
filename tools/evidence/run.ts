// How the evidence commands end: exit 0 done, 1 failed, 2 usage (with the usage line), as `npm run plan`.
import { UsageError } from "../plan/stackConfig";

export function runCli(cli: (argv: string[]) => number, usage: string): void {
    try {
        process.exit(cli(process.argv.slice(2)));
    } catch (e) {
        const isUsage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
        console.error(`error: ${(e as Error).message}`);
        if (isUsage) console.error(`usage: ${usage}`);
        process.exit(isUsage ? 2 : 1);
    }
}
