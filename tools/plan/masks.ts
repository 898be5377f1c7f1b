// What a plan shows for values it cannot know (config/placeholders.ts), for the plan tools.
export { SECRET, UNKNOWN } from "../../config/placeholders";

/** How a plan diff says that a secure config value changed (the PR comment's summary table reads it back). */
export const SECRET_CHANGED = "A secret changed";
