// Preloaded (`-r`) into the command processes of badArgs.spec.ts: loading @pulumi/pulumi ends the
// process with exit 97. A usage error must be reported before the program or its SDK is loaded, so a
// command that got that far before refusing its arguments fails the test instead of exiting 2.
import * as fs from "node:fs";
import Module from "node:module";

const original = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: typeof original })._load = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === "@pulumi/pulumi" || request.startsWith("@pulumi/pulumi/")) {
        // Straight to file descriptor 2: refuseAll.ts captures process.stderr while a case runs.
        fs.writeSync(2, `forbidPulumi: ${request} was loaded before the arguments were refused\n`);
        process.exit(97);
    }
    return original.call(this, request, ...rest);
};
