// What a plan shows for values it cannot know, shared by the config schema (which accepts the secret
// placeholder where a secret makes sense) and the plan tools. No imports: light code loads it cheaply.

/** What a secret input (and a `secure:` config value, which the offline plan cannot decrypt) looks like in a plan. Never the plaintext. */
export const SECRET = "[secret]";
/** What an input that only the real engine knows (an ARN, a generated name) looks like. */
export const UNKNOWN = "(known after up)";
