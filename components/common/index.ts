export * from "./labels";
export * from "./tags";
