export * from "./inventory";
export * from "./rules";
export * from "./vmApp";
