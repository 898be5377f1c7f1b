export * from "./schema";
export * from "./errors";
export * from "./load";
export * from "./backup";
