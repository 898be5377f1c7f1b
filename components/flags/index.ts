export * from "./flagd";
export * from "./render";
export * from "./appFlags";
export * from "./flags";
