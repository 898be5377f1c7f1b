// What a plan shows for values it cannot know (config/placeholders.ts), for the plan tools.
export { SECRET, UNKNOWN } from "../../config/placeholders";
