// Running the real Ansible from Debian (ansible-core 2.14, ansible-lint 6.13) against ansible/.
// Outside CI a missing tool skips with one line saying what to install; under CI=true it fails
// (.ci/run installs both).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import * as path from "node:path";
import { which } from "../support/tools";

export const ANSIBLE_DIR = path.resolve(__dirname, "../../ansible");
const INSTALL =
    "install ansible-core and ansible-lint: Debian/Ubuntu `sudo apt-get install -y --no-install-recommends ansible-core ansible-lint`";
let announced = false;

/** In a mocha `before`: skip (fail under CI=true) unless ansible-playbook and ansible-lint are on PATH. */
export function requireAnsible(ctx: Mocha.Context): void {
    const missing = ["ansible-playbook", "ansible-lint"].filter((tool) => !which(tool));
    if (missing.length === 0) return;
    if (process.env.CI === "true") throw new Error(`${missing.join(", ")} required under CI=true (${INSTALL}); .ci/run installs them`);
    if (!announced) {
        announced = true;
        console.log(`  skipping the Ansible tests: ${INSTALL}`);
    }
    ctx.skip();
}

export interface Run {
    readonly code: number;
    readonly output: string;
}

/** Run a command in ansible/ (so ansible.cfg applies), without colour, collecting stdout and stderr. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: ANSIBLE_DIR,
            env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_FORCE_COLOR: "0", NO_COLOR: "1", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, output }));
    });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}
