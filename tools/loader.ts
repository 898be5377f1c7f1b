// The `node` arguments that load a checkout's TypeScript as its npm scripts do (tools/register.js). A
// checkout from before register.js (a base the plan diff compares with) loads with ts-node, as it did then.
import * as fs from "node:fs";
import * as path from "node:path";

export function typescriptLoader(projectDir = path.resolve(__dirname, "..")): string[] {
    const register = path.join(projectDir, "tools", "register.js");
    return ["-r", fs.existsSync(register) ? register : "ts-node/register/transpile-only"];
}
