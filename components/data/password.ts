// A generated database password kept in the stack's state as a secret. @pulumi/random is not a
// dependency of this project, so this is a tiny dynamic resource: `create` draws the password once
// from Node's CSPRNG (crypto.randomInt, rejection-free uniform sampling) and the engine stores it,
// encrypted (`additionalSecretOutputs`), so it is stable across updates and never appears in plain
// text in state, previews or logs. Changing `length` (or `rotation`) draws a new one.
import * as pulumi from "@pulumi/pulumi";

/** Letters, digits and URL-unreserved marks: valid for RDS (no `/`, `@`, `"` or space) and in URLs. */
export const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

export interface PasswordInputs {
    length: number;
    /** Any new value rotates the password (for example a date). */
    rotation: string;
}

/**
 * The provider. Self-contained (no references to module scope but `require`), because Pulumi
 * serializes it into the state and runs it in a fresh process.
 */
export const passwordProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: PasswordInputs) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const crypto = require("crypto") as typeof import("crypto");
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        let result = "";
        for (let i = 0; i < inputs.length; i++) result += alphabet[crypto.randomInt(alphabet.length)];
        return { id: crypto.randomUUID(), outs: { length: inputs.length, rotation: inputs.rotation, result } };
    },
    async diff(_id: string, olds: PasswordInputs, news: PasswordInputs) {
        const replaces = (["length", "rotation"] as const).filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

export interface GeneratedPasswordArgs {
    /** @default 32 */
    readonly length?: number;
    /** @default "initial" */
    readonly rotation?: string;
}

/** Type token `pulumi-nodejs:dynamic:Resource`; output `result` is a secret. */
export class GeneratedPassword extends pulumi.dynamic.Resource {
    declare public readonly result: pulumi.Output<string>;

    constructor(name: string, args: GeneratedPasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
        super(
            passwordProvider,
            name,
            { length: args.length ?? 32, rotation: args.rotation ?? "initial", result: undefined },
            { ...opts, additionalSecretOutputs: ["result"] },
        );
    }
}
