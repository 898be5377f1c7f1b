// Real field tools that npm cannot install (Prometheus's promtool and server). Outside CI a missing
// tool skips its tests with one line saying what to install; under CI=true it fails, so CI can never
// pass without running them. `.ci/run` installs them.
import { execFileSync } from "node:child_process";

const PROMETHEUS =
    "install Prometheus: Debian/Ubuntu `sudo apt-get install -y --no-install-recommends prometheus`, macOS `brew install prometheus`";
const INSTALL: Record<Tool, string> = {
    promtool: PROMETHEUS,
    prometheus: PROMETHEUS,
    amtool: "install Alertmanager: Debian/Ubuntu `sudo apt-get install -y --no-install-recommends prometheus-alertmanager`, macOS `brew install alertmanager`",
};
type Tool = "promtool" | "prometheus" | "amtool";
const announced = new Set<string>();

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
    try {
        return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/**
 * In a mocha `before`: returns the tool's path, or skips the suite (fails under CI=true) when it is
 * missing.
 */
export function requireTool(ctx: Mocha.Context, name: Tool): string {
    const found = which(name);
    if (found) return found;
    if (process.env.CI === "true") throw new Error(`${name} is required under CI=true (${INSTALL[name]}); .ci/run installs it`);
    if (!announced.has(name)) {
        announced.add(name);
        console.log(`  skipping tests that need ${name}: ${INSTALL[name]}`);
    }
    ctx.skip();
}
