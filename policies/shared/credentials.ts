// What makes an environment variable a credential: shared by the no-plaintext-secrets gate and the VM
// apps' config check (config/vm.ts), which refuses one in vm.env before anything is registered.

// Name parts that make a variable a credential whatever its value (DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY).
const SECRET_WORDS = new Set(["PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS"]);
const SECRET_PAIRS = ["API_KEY", "ACCESS_KEY", "PRIVATE_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "AUTH_KEY", "CLIENT_SECRET"];
// Values that are credentials whatever their name.
const SECRET_VALUES: [RegExp, string][] = [
    [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./, "a JSON Web Token"],
];

/** Why an environment variable looks like a credential, or undefined. */
export function credentialReason(name: string, value: unknown): string | undefined {
    const upper = name.toUpperCase();
    if (upper.split("_").some((w) => SECRET_WORDS.has(w)) || SECRET_PAIRS.some((p) => upper.includes(p)))
        return "its name names a credential";
    if (typeof value === "string") for (const [re, what] of SECRET_VALUES) if (re.test(value)) return `its value looks like ${what}`;
    return undefined;
}
