// What a plan shows for values it cannot know. Its own module (no imports) so that light code, such as
// the stack config reader the commands use to check their arguments, does not load @pulumi/pulumi.

/** What a secret input looks like in a plan. Never the plaintext. */
export const SECRET = "[secret]";
/** What an input that only the real engine knows (an ARN, a generated name) looks like. */
export const UNKNOWN = "(known after up)";
